import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';

/**
 * What the public listener needs to drain on shutdown without cutting requests it already took
 * (Envoy's drain, Kong's graceful shutdown). It follows every connection and every received request
 * until its response is written in full. Once `start()` is called:
 *
 * - the last response on each connection carries `Connection: close`, so a keep-alive client learns
 *   that this connection ends with it and opens its next one elsewhere; Node closes the socket after
 *   that response;
 * - pipelined requests already received on a connection are all answered: only the last one of the
 *   connection carries `Connection: close` (RFC 9112 section 9.6: a server that sent `close` must not
 *   process anything after it, so marking an earlier one would drop requests whose handlers already
 *   ran). A request that arrives behind a response that already went out with `Connection: close` is
 *   never run: the socket closes after that response, the client was told so, and may resend it;
 * - `closeIdle()` closes the connections with nothing to answer. Not one that turned idle less than
 *   `quietMs` ago: a busy keep-alive client sends its next request within milliseconds of a response,
 *   and closing the socket under that request (already written, not yet read here) would cut it.
 *   Given `quietMs` it either brings a request, answered with `Connection: close`, or is closed.
 */
export interface GracefulDrain {
  /** From now on, each connection's last response says `Connection: close`. */
  start(): void;
  /** Closes every connection with no request in progress that has been quiet for `quietMs`; says how many it closed. */
  closeIdle(): number;
  /** Requests received whose response is not yet written in full. */
  unfinished(): number;
  /** True for a request that came in behind its connection's closing response: it must not run. */
  refused(request: IncomingMessage): boolean;
  /**
   * The whole shutdown: `start()`, stop accepting, close connections as they turn quiet, and after
   * `graceMs` cut what is still running; resolves once the server is closed, with how many were cut.
   */
  drain(graceMs: number): Promise<{ cut: number }>;
}

// http.Server.close also closes every idle connection at once, under requests a client may already
// have written to some of them: the listening socket alone is closed through net.Server's.
const stopAccepting = NetServer.prototype.close;

export interface GracefulDrainOptions {
  /** How long a connection must have been idle before `closeIdle()` closes it; default 250 ms. */
  quietMs?: number;
  now?: () => number;
}

interface Connection {
  /** Responses not yet written in full, in the order they will be written. */
  pending: ServerResponse[];
  /** When it last had nothing to answer, and how many bytes it had read then. */
  idleSince: number;
  bytesReadWhenIdle: number;
}

export function gracefulDrain(server: Server, options: GracefulDrainOptions = {}): GracefulDrain {
  const quietMs = options.quietMs ?? 250;
  const now = options.now ?? Date.now;
  const connections = new Map<Socket, Connection>();
  /** Responses this drain asked to close their connection (the others keep what the client asked for). */
  const marked = new WeakSet<ServerResponse>();
  const refusedRequests = new WeakSet<IncomingMessage>();
  let draining = false;
  let unfinished = 0;

  const closesItsConnection = (res: ServerResponse) => {
    if (res.headersSent || !res.shouldKeepAlive) return;
    // Node writes `Connection: close` and ends the socket after this response when keep-alive is off.
    res.shouldKeepAlive = false;
    marked.add(res);
  };
  const keepsItsConnection = (res: ServerResponse) => {
    if (res.headersSent || !marked.has(res)) return;
    res.shouldKeepAlive = true;
    marked.delete(res);
  };

  server.on('connection', (socket: Socket) => {
    const connection: Connection = { pending: [], idleSince: now(), bytesReadWhenIdle: 0 };
    connections.set(socket, connection);
    socket.once('close', () => {
      // Responses queued behind one on a socket that dies never emit their own 'close'.
      unfinished -= connection.pending.length;
      connection.pending.length = 0;
      connections.delete(socket);
    });
  });

  // Prepended, so it runs before the app can write a response synchronously.
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    const connection = connections.get(socket);
    if (!connection) return;
    const { pending } = connection;
    const previous = pending.at(-1);
    pending.push(res);
    unfinished++;
    res.once('close', () => {
      const at = pending.indexOf(res);
      if (at === -1) return;
      pending.splice(at, 1);
      unfinished--;
      if (pending.length === 0) {
        connection.idleSince = now();
        connection.bytesReadWhenIdle = socket.bytesRead;
      }
    });
    if (!draining) return;
    if (previous?.headersSent && !previous.shouldKeepAlive) {
      refusedRequests.add(req);
      return;
    }
    // Pipelined behind a response not yet written: that one keeps the connection, this one closes it.
    if (previous) keepsItsConnection(previous);
    closesItsConnection(res);
  });

  return {
    start() {
      draining = true;
      for (const { pending } of connections.values()) {
        const last = pending.at(-1);
        if (last) closesItsConnection(last);
      }
    },
    closeIdle() {
      const at = now();
      let closed = 0;
      for (const [socket, connection] of connections) {
        // Bytes read since it turned idle are a request on its way in: it is not idle.
        const idle = connection.pending.length === 0 && socket.bytesRead === connection.bytesReadWhenIdle;
        if (idle && at - connection.idleSince >= quietMs && !socket.destroyed) {
          socket.destroy();
          closed++;
        }
      }
      return closed;
    },
    unfinished: () => unfinished,
    refused: (request) => refusedRequests.has(request),
    async drain(graceMs) {
      this.start();
      const stopped = new Promise<void>((ok) => stopAccepting.call(server, () => ok()));
      // Idle connections are closed as they turn quiet; each that brings a request first gets its
      // answer with Connection: close, after which Node closes it.
      this.closeIdle();
      const sweep = setInterval(() => this.closeIdle(), 25);
      let expire: NodeJS.Timeout | undefined;
      const finished = await Promise.race([
        stopped.then(() => true),
        new Promise<boolean>((ok) => (expire = setTimeout(() => ok(false), graceMs))),
      ]);
      clearInterval(sweep);
      clearTimeout(expire);
      const cut = finished ? 0 : unfinished;
      if (!finished) server.closeAllConnections();
      await stopped;
      // Nothing is open now: http.Server.close also stops its timeout-checking interval.
      await new Promise<void>((ok) => server.close(() => ok()));
      return { cut };
    },
  };
}
