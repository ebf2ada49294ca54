import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import type { Context } from 'hono';
import type { GatewayEnv } from '../../env.ts';
import { GatewayError } from '../../errors.ts';
import { requestHeader } from '../../request-headers.ts';

function tooLarge(limit: number): GatewayError {
  return new GatewayError('PAYLOAD_TOO_LARGE', `The request body is larger than the ${limit} bytes this operation accepts.`, {
    extensions: { limit_bytes: limit },
  });
}

/**
 * The request body, read once and capped at the route's limit; every step that needs it (idempotency
 * fingerprint, validation, the proxy) calls this and gets the same bytes. null when there is none.
 * A body without Content-Length is counted while it streams, so a lying client cannot exceed the cap.
 */
export async function readRequestBody(c: Context<GatewayEnv>): Promise<Uint8Array | null> {
  const cached = c.get('requestBody');
  if (cached !== undefined) return cached;
  const limit = c.get('route').policies.bodyLimitBytes;
  const length = requestHeader(c, 'content-length');
  if (length !== undefined && Number(length) > limit) throw tooLarge(limit);
  if (length === '0') {
    c.set('requestBody', null);
    return null;
  }
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  const read = incoming instanceof Readable ? await readNode(incoming, limit) : await readWeb(c.req.raw.body, limit);
  if (read === 'too-large') throw tooLarge(limit);
  const { chunks, size } = read;
  let body: Uint8Array | null;
  if (size === 0) body = null;
  else if (chunks.length === 1) body = chunks[0]!;
  else {
    body = new Uint8Array(size);
    let offset = 0;
    for (const chunk of chunks) {
      body.set(chunk, offset);
      offset += chunk.byteLength;
    }
  }
  c.set('requestBody', body);
  return body;
}

interface Chunks {
  chunks: Uint8Array[];
  size: number;
}

/** The client went away before its whole body came: nobody will read the answer, so it is for logs and metrics only. */
function clientGone(cause?: unknown): GatewayError {
  return new GatewayError('CLIENT_CLOSED_REQUEST', 'The client closed the connection before sending the whole request body.', { cause });
}

/**
 * Under @hono/node-server: straight from Node's request, without the Web Request and the web
 * ReadableStream over it that `c.req.raw.body` builds. Over the limit it stops reading; the server
 * drains or closes what is left once the 413 is written, as it does for a cancelled web body.
 * A client that hangs up mid-body is a 499 (Node destroys the request with ECONNRESET), also when
 * it happened before this read began: a destroyed request emits nothing more, and waiting for its
 * 'end' would hold the request forever.
 */
function readNode(incoming: IncomingMessage, limit: number): Promise<Chunks | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    const done = () => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
      incoming.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > limit) {
        done();
        incoming.pause();
        resolve('too-large');
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      done();
      resolve({ chunks, size });
    };
    const onError = (err: Error) => {
      done();
      reject(clientGone(err));
    };
    // 'close' without 'end' (and without 'error'): torn down some other way, still not a whole body.
    const onClose = () => {
      done();
      if (incoming.readableEnded) resolve({ chunks, size });
      else reject(clientGone());
    };
    if (incoming.readableEnded) return resolve({ chunks, size });
    if (incoming.destroyed) return reject(clientGone(incoming.errored ?? undefined));
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onError);
    incoming.on('close', onClose);
  });
}

async function readWeb(stream: ReadableStream<Uint8Array> | null, limit: number): Promise<Chunks | 'too-large'> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (!stream) return { chunks, size };
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      return 'too-large';
    }
    chunks.push(value);
  }
  return { chunks, size };
}
