import type { BindOptions } from '@concord/contracts/src/server/bind-contract.ts';
import type { Clock } from './clock.ts';
import type { Database } from './database/database.ts';
import type { EventBus } from './events/event-bus.ts';
import type { IdGenerator } from './ids.ts';

/** What every service factory takes: everything with a side effect is passed in. */
export interface ServiceDeps {
  db: Database;
  bus: EventBus;
  clock?: Clock;
  ids?: IdGenerator;
  /** `enforce` in tests: a response that breaks the contract becomes a 500 and fails the test. */
  responseValidation?: BindOptions['responseValidation'];
  /** Hears about the service's own faults (500s, relay and consumer errors). Default: console.error. */
  onError?: (err: unknown, where: string) => void;
  /** Outbox relay poll interval; default 1000 ms. */
  relayPollIntervalMs?: number;
}

/** What every service factory returns. */
export interface ServiceLifecycle {
  /** Runs migrations' consequences: starts the outbox relay and the event consumers. */
  start(): Promise<void>;
  /** Stops background work; the database and bus belong to the caller and stay open. */
  stop(): Promise<void>;
}

export function defaultOnError(err: unknown, where: string): void {
  console.error(`[${where}]`, err);
}
