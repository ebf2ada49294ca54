/**
 * The abort of one upstream call, as an EventEmitter rather than an AbortController. undici takes
 * either as `signal` (its documented `AbortSignal | EventEmitter`), and on the hot path the
 * difference is real: an AbortController with one listener added and removed costs ~3 µs, an
 * EventEmitter ~0.1 µs, and a request used to make two of them. It also speaks the part of the
 * AbortSignal interface the gateway uses (aborted, reason, add/removeEventListener('abort')), so
 * code that waits on an abort accepts either (`AbortLike`).
 */
import { EventEmitter } from 'node:events';

export type AbortListener = () => void;

/** What an upstream call can be aborted by: a real AbortSignal (tests, app.request()) or a channel. */
export type AbortLike = AbortSignal | AbortChannel;

export class AbortChannel extends EventEmitter {
  aborted = false;
  reason: unknown = undefined;

  /** Fires 'abort' once; later calls are ignored, like AbortController.abort. */
  abort(reason: unknown = new DOMException('This operation was aborted', 'AbortError')): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.emit('abort');
  }

  addEventListener(_type: 'abort', listener: AbortListener, options?: { once?: boolean }): void {
    if (options?.once) this.once('abort', listener);
    else this.on('abort', listener);
  }

  removeEventListener(_type: 'abort', listener: AbortListener): void {
    this.removeListener('abort', listener);
  }
}
