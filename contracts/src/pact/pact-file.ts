import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The parts of a V4 pact file that the contract check, the results store and the gate read. */
export interface PactHttpRequest {
  method: string;
  path: string;
  query?: Record<string, string[]>;
  headers?: Record<string, string[]>;
  body?: { content?: unknown; contentType?: string; encoded?: boolean | string };
}

export interface PactHttpResponse {
  status: number;
  headers?: Record<string, string[]>;
  body?: { content?: unknown; contentType?: string; encoded?: boolean | string };
}

export interface PactInteraction {
  type: 'Synchronous/HTTP' | 'Asynchronous/Messages' | string;
  description: string;
  providerStates?: { name: string; params?: Record<string, unknown> }[];
  request?: PactHttpRequest;
  response?: PactHttpResponse;
  contents?: { content?: unknown; contentType?: string; encoded?: boolean | string };
  metadata?: Record<string, unknown>;
}

export interface PactFile {
  /** Absolute path. */
  file: string;
  /** `<consumer>-<provider>.json` */
  name: string;
  consumer: string;
  provider: string;
  /** sha256 of the file's bytes: a verification counts only for the contents it verified. */
  contentHash: string;
  interactions: PactInteraction[];
}

export function contentHash(bytes: string | Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export function readPactFile(file: string): PactFile {
  const bytes = readFileSync(file);
  let json: { consumer?: { name?: string }; provider?: { name?: string }; interactions?: PactInteraction[] };
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new Error(`${file} is not a pact file: ${(err as Error).message}`);
  }
  const consumer = json.consumer?.name;
  const provider = json.provider?.name;
  if (!consumer || !provider) throw new Error(`${file} is not a pact file: it names no consumer or provider`);
  return {
    file,
    name: file.split(/[\\/]/).pop()!,
    consumer,
    provider,
    contentHash: contentHash(bytes),
    interactions: json.interactions ?? [],
  };
}

/** Every pact in `dir` (files ending in .json other than the verification results), by name. */
export function readPactDir(dir: string): PactFile[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json') && name !== RESULTS_FILE)
    .sort()
    .map((name) => readPactFile(join(dir, name)));
}

export const RESULTS_FILE = 'verification-results.json';

/** A string body as pact stores it: JSON content as is, base64 when `encoded`. */
export function decodeBody(body: { content?: unknown; encoded?: boolean | string } | undefined): unknown {
  if (!body || body.content === undefined) return undefined;
  if (body.encoded && typeof body.content === 'string') {
    const text = Buffer.from(body.content, 'base64').toString('utf8');
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return body.content;
}
