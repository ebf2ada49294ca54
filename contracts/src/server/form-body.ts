/**
 * Reads form bodies into name -> values: `application/x-www-form-urlencoded` with URLSearchParams
 * (the WHATWG parser: `+` is a space, percent-decoding), `multipart/form-data` with busboy. The
 * body arrives already read within the route's body limit, so busboy streams over bytes in memory
 * and its own limits only guard against a body of many tiny parts. The bytes themselves are not
 * changed: what the client sent is what the upstream receives.
 */
import { Readable } from 'node:stream';
import busboy from 'busboy';
import type { FormValue } from './form-values.ts';

export function parseUrlEncoded(text: string): Map<string, FormValue[]> {
  const entries = new Map<string, FormValue[]>();
  for (const [name, value] of new URLSearchParams(text)) {
    const list = entries.get(name);
    if (list) list.push({ value });
    else entries.set(name, [{ value }]);
  }
  return entries;
}

export type MultipartResult = { ok: true; entries: Map<string, FormValue[]> } | { ok: false; message: string };

/** At most this many parts: far more than any form, far fewer than a body of empty parts could hold. */
const MAX_PARTS = 1000;

/**
 * `contentType` is the whole header (the boundary is a parameter). File parts become strings of
 * their bytes (latin1, one character per byte), so `maxLength` counts bytes and nothing is lost.
 */
export function parseMultipart(contentType: string, body: Uint8Array): Promise<MultipartResult> {
  return new Promise((resolve) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: { 'content-type': contentType },
        limits: { fieldSize: body.byteLength, fileSize: body.byteLength, parts: MAX_PARTS, fields: MAX_PARTS, files: MAX_PARTS },
        defParamCharset: 'utf8',
      });
    } catch (err) {
      resolve({ ok: false, message: (err as Error).message });
      return;
    }
    const entries = new Map<string, FormValue[]>();
    const add = (name: string, value: FormValue) => {
      const list = entries.get(name);
      if (list) list.push(value);
      else entries.set(name, [value]);
    };
    let failed: string | undefined;
    parser.on('field', (name, value, info) => add(name, { value, contentType: info.mimeType }));
    parser.on('file', (name, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => add(name, { value: Buffer.concat(chunks).toString('latin1'), contentType: info.mimeType }));
    });
    parser.on('partsLimit', () => (failed ??= `has more than ${MAX_PARTS} parts`));
    parser.on('error', (err: Error) => resolve({ ok: false, message: failed ?? err.message }));
    parser.on('close', () => resolve(failed ? { ok: false, message: failed } : { ok: true, entries }));
    Readable.from([Buffer.from(body.buffer, body.byteOffset, body.byteLength)]).pipe(parser);
  });
}
