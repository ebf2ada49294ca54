/**
 * Requests Node's HTTP parser refuses before any route sees them: a request head over the
 * server's maxHeaderSize (16 KiB by default; a long query string is enough) or bytes that are not
 * HTTP. Node's own answer is a bare `431` or `400` with no body and no request id; this answers
 * them as every other error is answered, problem+json from the registry (HEADERS_TOO_LARGE,
 * MALFORMED_REQUEST) with a request id, then closes the connection, as Node does.
 *
 * A request timeout (ERR_HTTP_REQUEST_TIMEOUT) keeps Node's answer (408, closed): the listener's
 * slow-client defence relies on it. A socket that can no longer be written to is destroyed.
 */
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { STATUS_CODES } from 'node:http';
import { GatewayError } from '../errors.ts';
import { randomHex } from '../observability/random-hex.ts';
import { problemBody } from '../problem-response.ts';

function refusal(code: string | undefined): GatewayError | undefined {
  if (code === 'HPE_HEADER_OVERFLOW')
    return new GatewayError(
      'HEADERS_TOO_LARGE',
      'The request line and headers are larger than this gateway accepts; shorten the query string or the headers.',
    );
  if (code?.startsWith('HPE_')) return new GatewayError('MALFORMED_REQUEST', 'The request is not valid HTTP/1.1.');
  return undefined;
}

/** The raw HTTP/1.1 response for `err`: nothing has been parsed, so there is no Response to build. */
export function clientErrorResponse(err: GatewayError, requestId: string): string {
  // No instance: the request was never parsed, so its path is unknown.
  const { instance: _unknown, ...problem } = problemBody(err, requestId, '');
  const body = JSON.stringify(problem);
  return [
    `HTTP/1.1 ${err.status} ${STATUS_CODES[err.status] ?? 'Error'}`,
    'Content-Type: application/problem+json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Cache-Control: no-store',
    'X-Content-Type-Options: nosniff',
    `X-Request-Id: ${requestId}`,
    'Connection: close',
    '',
    body,
  ].join('\r\n');
}

export function answerClientErrors(server: Server): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    const refused = refusal(err.code);
    // As Node's own handler: write nothing into a response already under way (a socket error
    // mid-response, a client resetting a keep-alive connection), only end the connection.
    const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
    if (!socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    if (!refused) {
      // Node's own answers for the rest (408 on a request timeout, 400 otherwise).
      const status = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
      closeAfter(socket, `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\n\r\n`);
      return;
    }
    closeAfter(socket, clientErrorResponse(refused, `req_${randomHex(16)}`));
  });
}

/** How long a refused client has to read the answer before its socket is destroyed. */
const LINGER_MS = 500;

/**
 * Sends the answer and closes. `end()` alone only half-closes: the listener's sockets allow half-open
 * connections, so a client that never closes its side (a slowloris one, by design) would keep the
 * socket for ever. Node's own handler destroys at once after writing, which can reset the connection
 * before a client still sending its oversized head has read the answer; a short linger lets it read.
 */
function closeAfter(socket: Duplex, answer: string): void {
  socket.end(answer);
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
}
