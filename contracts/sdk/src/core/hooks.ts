import type { ConcordError, ConcordErrorCategory } from './errors.ts';

export interface RequestEvent {
  operation: string;
  method: string;
  url: string;
  /** 1 for the first attempt. */
  attempt: number;
  /** The headers sent, with the bearer token redacted. */
  headers: Headers;
}

export interface ResponseEvent {
  operation: string;
  method: string;
  url: string;
  attempt: number;
  status: number;
  durationMs: number;
  requestId: string | undefined;
}

export interface RetryEvent {
  operation: string;
  method: string;
  url: string;
  /** The attempt that failed. */
  attempt: number;
  /** How long the SDK waits before the next attempt. */
  delayMs: number;
  reason: ConcordErrorCategory;
  status: number | undefined;
  error: ConcordError;
}

/**
 * Hooks for logging and metrics. They are called synchronously and must not throw; an exception
 * in a hook is ignored so that logging never changes the outcome of a call.
 */
export interface Hooks {
  onRequest?: (event: RequestEvent) => void;
  onResponse?: (event: ResponseEvent) => void;
  onRetry?: (event: RetryEvent) => void;
}
