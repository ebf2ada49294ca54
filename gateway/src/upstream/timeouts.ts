/**
 * Timeouts of an upstream call. Connect and body-idle timeouts are undici Pool options (the core's
 * pools, per upstream). Here: the headers timeout per attempt, so an operation can tighten it
 * without a pool of its own and a retry gets a fresh one, and the whole-request deadline, shared by
 * every attempt and the backoff between them.
 *
 * Built from an AbortChannel (an EventEmitter undici accepts as its signal) and plain timers, not
 * AbortControllers, AbortSignal.any or AbortSignal.timeout: those were ~8% of the gateway's CPU under
 * load, and an AbortSignal.timeout lives (with its timer) for its whole delay, long after the request
 * is answered. Everything here is released by `release()`.
 */
import { AbortChannel, type AbortLike } from './abort-channel.ts';

/** Why an attempt's signal fired: the caller went away, the deadline passed, or headers were late. */
export type AbortReason = 'client' | 'deadline' | 'headers-timeout';

function isTimeout(reason: unknown): boolean {
  return (reason as { name?: string } | undefined)?.name === 'TimeoutError';
}

/**
 * The abort side of one resilient call: `signal` (the current attempt's) fires on the caller's
 * abort, on the request's deadline, or when an attempt's headers do not arrive within `headersMs`.
 */
export class CallAborts {
  #channel = new AbortChannel();
  #reason: AbortReason | undefined;
  readonly #client: AbortLike;
  readonly #deadlineTimer: ReturnType<typeof setTimeout>;
  #headersTimer: ReturnType<typeof setTimeout> | undefined;
  #released = false;
  readonly #onClientAbort = () => {
    // The pipeline's own deadline arrives on the client signal as a TimeoutError: not a client abort.
    this.#abort(isTimeout(this.#client.reason) ? 'deadline' : 'client', this.#client.reason);
  };

  constructor(client: AbortLike, deadlineMs: number) {
    this.#client = client;
    this.#deadlineTimer = setTimeout(
      () => this.#abort('deadline', new DOMException('upstream request deadline', 'TimeoutError')),
      deadlineMs,
    );
    this.#deadlineTimer.unref?.();
    if (client.aborted) this.#onClientAbort();
    else client.addEventListener('abort', this.#onClientAbort, { once: true });
  }

  /** The signal of the current attempt (and of the backoff before the next one). */
  get signal(): AbortChannel {
    return this.#channel;
  }

  /** Arms the headers timer of an attempt; `headersReceived()` disarms it. */
  startAttempt(headersMs: number): AbortChannel {
    this.#headersTimer = setTimeout(
      () => this.#abort('headers-timeout', new DOMException('upstream headers timeout', 'TimeoutError')),
      headersMs,
    );
    this.#headersTimer.unref?.();
    return this.#channel;
  }

  /** Call once the response headers are in: the headers timer must not cut the body. */
  headersReceived(): void {
    if (this.#headersTimer !== undefined) clearTimeout(this.#headersTimer);
    this.#headersTimer = undefined;
  }

  /**
   * Why the failed attempt was aborted (undefined: it failed on its own). After late headers the
   * next attempt (and the backoff before it) gets a fresh signal; the deadline and the caller's
   * abort stay final.
   */
  attemptFailed(): AbortReason | undefined {
    this.headersReceived();
    const reason = this.#reason;
    if (reason === 'headers-timeout') {
      this.#reason = undefined;
      this.#channel = new AbortChannel();
    }
    return reason;
  }

  /** Why the current signal fired, if it did. */
  reason(): AbortReason | undefined {
    return this.#reason;
  }

  /** Clears both timers and stops listening to the caller: the call and its body are done. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.headersReceived();
    clearTimeout(this.#deadlineTimer);
    this.#client.removeEventListener('abort', this.#onClientAbort);
  }

  /** Releases once `body` is done with (read, drained or failed), so the deadline still covers streaming. */
  releaseWhenClosed(body: unknown): void {
    const closable = body as { onClose?: (listener: () => void) => void } | undefined;
    if (typeof closable?.onClose === 'function') closable.onClose(() => this.release());
    else this.release();
  }

  #abort(reason: AbortReason, error: unknown): void {
    if (this.#released || this.#reason !== undefined) return;
    this.#reason = reason;
    this.#channel.abort(error);
  }
}
