/**
 * A secret the gateway config refers to but never contains: `{ env: NAME }` or `{ file: PATH }`.
 * The config file lives in git, so a credential written inline would be leaked by the first commit;
 * the schema accepts only these references, and load-config reads each one once per (re)load, so a
 * missing variable or an unreadable file stops start-up (or refuses a reload) with its line.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { inspect } from 'node:util';
import { z } from 'zod';

/** A secret value that prints as `[secret]` wherever it ends up: logs, JSON, util.inspect. */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The value itself, for the one place that sends it. */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return '[secret]';
  }

  toJSON(): string {
    return '[secret]';
  }

  [inspect.custom](): string {
    return '[secret]';
  }
}

/** What the config says; `secret` is filled in by load-config once the reference is read. */
export interface SecretSource {
  env?: string | undefined;
  file?: string | undefined;
  secret?: Secret;
}

export const secretSourceSchema = z
  .object(
    {
      env: z
        .string()
        .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name')
        .optional()
        .describe('Read the secret from this environment variable'),
      file: z
        .string()
        .min(1)
        .optional()
        .describe("Read the secret from this file (relative paths: from the config file's directory); one trailing newline is dropped"),
    },
    { error: 'a secret is read from { env: VARIABLE } or { file: /path }, never written in the config' },
  )
  .strict()
  .refine((s) => (s.env === undefined) !== (s.file === undefined), 'give exactly one of env or file')
  .transform((s): SecretSource => s)
  .describe('A secret, read at start-up and on reload: { env: VARIABLE } or { file: /path/to/file }');

export interface SecretReader {
  /** The process environment (GatewayProcessEnv.variable); absent: every env reference fails. */
  variable?: ((name: string) => string | undefined) | undefined;
  /** Relative file references are resolved from here (the config file's directory). */
  baseDir: string;
}

/** Reads one reference; throws an Error whose message says what is missing (no secret in it). */
export function readSecret(source: SecretSource, reader: SecretReader): Secret {
  if (source.env !== undefined) {
    const value = reader.variable?.(source.env);
    if (value === undefined || value === '') throw new Error(`the environment variable ${source.env} is not set`);
    return new Secret(value);
  }
  const path = isAbsolute(source.file!) ? source.file! : resolve(reader.baseDir, source.file!);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  // `echo secret > file` and most secret mounts end with a newline that is not part of the secret.
  const value = text.replace(/\r?\n$/, '');
  if (value === '') throw new Error(`${path} is empty`);
  return new Secret(value);
}
