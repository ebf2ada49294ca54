import type { Redis } from 'ioredis';
import { RateLimiterRes } from 'rate-limiter-flexible';
import { giveBack, lease, type LeaseReply } from './lease-scripts.ts';
import { leaseAhead, SHARE } from './lease-size.ts';
import { withDeadline } from './store-deadline.ts';
import type { Carry, WindowCounts } from './window-counts.ts';

/**
 * One policy's limit in Redis without a round trip per request: per partner key and window this
 * replica leases a slice of the plan from Redis (lease-scripts.ts, never more than the plan in all)
 * and admits from it locally. It leases again, in the background, when half the slice is used; near
 * the limit it holds nothing ahead and waits for Redis on each request, so the last units are exact.
 * Units it holds and does not use are given back when the key has been idle `idleMs` and when a
 * lease shows the window nearly full, so another replica can admit them.
 *
 * What can differ from one shared counter: at any instant, a replica may refuse while other replicas
 * hold unused units (at most what they leased ahead, given back within `idleMs` of their last use or
 * at once near the limit). Admission never exceeds the plan while Redis is up.
 */
export interface LeasingLimiter {
  /** Resolves with the admitted request's state; rejects with a RateLimiterRes when refused, or what `fallback` throws. */
  consume(key: string): Promise<RateLimiterRes>;
  /**
   * Writes every key's points counted in memory during an outage back to Redis now, without waiting
   * for the key's next request. Called when the connection is ready again: a key whose next request
   * reaches a replica that counted little in memory would otherwise be admitted against a window
   * Redis rebuilt from that replica's count alone, before the replicas that counted more had written
   * theirs. What fails to be written stays owed and goes with the key's next lease.
   */
  writeBack(): Promise<void>;
}

export interface LeasingLimiterOptions {
  redis: Redis;
  /** The Redis key of a partner key's window. */
  redisKey(key: string): string;
  plan: number;
  windowMs: number;
  timeoutMs: number;
  /** This replica's id in the window hashes (to count the replicas sharing a window). */
  replica: string;
  /** The last counts Redis gave, and what was counted in memory while it was unavailable. */
  counts: WindowCounts;
  /** Decides a request Redis could not lease for (the store-down behaviour): returns, or throws a RateLimiterRes or the error. */
  fallback(key: string, err: unknown): RateLimiterRes;
  /** Redis answered. */
  up(): void;
  idleMs: number;
  now: () => number;
}

interface Waiter {
  resolve(res: RateLimiterRes): void;
  reject(err: unknown): void;
}

/** This replica's lease on one partner key's window. */
interface KeyLease {
  /** Redis's id of the window the units were leased in ('' before the first lease). */
  window: string;
  /** Epoch ms; from when the lease was asked for, so never later than Redis's own expiry. */
  resetAt: number;
  /** Units leased and not yet admitted. */
  held: number;
  /** Units leased in the window by every replica, at the last reply. */
  count: number;
  replicas: number;
  /** The last slice leased ahead of demand (0: none, or near the limit). */
  previous: number;
  lastUse: number;
  /** A Redis call for this key is in flight; requests without a unit wait for it. */
  busy: boolean;
  waiters: Waiter[];
}

const WRITE_BACK_BURST = 512;

export function createLeasingLimiter(options: LeasingLimiterOptions): LeasingLimiter {
  const { redis, plan, counts, now } = options;
  const leases = new Map<string, KeyLease>();
  let windows = 0;
  let sweeping: NodeJS.Timeout | undefined;

  const state = (entry: KeyLease, at: number): RateLimiterRes => {
    // Remaining: the plan less every unit leased in the window (by any replica, as of this replica's
    // last lease), plus the units this replica holds and has not admitted yet.
    const remaining = Math.max(0, plan - entry.count + entry.held);
    return new RateLimiterRes(remaining, Math.max(0, entry.resetAt - at), plan - remaining);
  };

  const returnHeld = async (key: string, entry: KeyLease): Promise<void> => {
    const units = entry.held;
    if (units === 0) return;
    entry.held = 0;
    entry.previous = 0;
    try {
      const count = await withDeadline(giveBack(redis, options.redisKey(key), units, entry.window), options.timeoutMs);
      if (count >= 0) entry.count = count;
    } catch {
      // Redis keeps them counted until the window ends: fewer admitted, never more.
    }
  };

  /**
   * One lease call for the key, with the points it counted in memory during an outage when the
   * caller took them (whichever call takes them first carries them: calls on one connection reach
   * Redis in order); they are owed again when the call fails.
   */
  const ask = async (key: string, needed: number, ahead: number, carry: Carry | undefined): Promise<LeaseReply> => {
    try {
      if (redis.status !== 'ready') throw new Error('Redis connection is not ready');
      const request = {
        key: options.redisKey(key),
        needed,
        ahead,
        share: SHARE,
        plan,
        windowMs: options.windowMs,
        replica: options.replica,
        newWindow: `${options.replica}:${++windows}`,
        carry,
      };
      const reply = await withDeadline(lease(redis, request), options.timeoutMs);
      counts.seen(key, reply.count, reply.msLeft, now());
      return reply;
    } catch (err) {
      // Failed or late: if Redis did apply it late, the units stay counted there, unused (strict side).
      if (carry) counts.giveBack(key, carry, now());
      throw err;
    }
  };

  const refill = async (key: string, entry: KeyLease): Promise<void> => {
    entry.busy = true;
    try {
      for (;;) {
        const needed = entry.waiters.length;
        const ahead = leaseAhead({ plan, count: entry.count, replicas: entry.replicas, previous: entry.previous });
        if (needed === 0 && ahead === 0) return;
        const sentAt = now();
        let reply: LeaseReply;
        try {
          reply = await ask(key, needed, ahead, counts.takeCarry(key, sentAt));
        } catch (err) {
          for (const waiter of entry.waiters.splice(0)) {
            try {
              waiter.resolve(options.fallback(key, err));
            } catch (outcome) {
              waiter.reject(outcome);
            }
          }
          return;
        }
        options.up();
        if (reply.window !== entry.window) {
          // A new window (the last one ended, or Redis lost it): units held for the old one are void.
          entry.window = reply.window;
          entry.held = 0;
        }
        entry.resetAt = sentAt + reply.msLeft;
        entry.count = reply.count;
        entry.replicas = reply.replicas;
        entry.held += reply.granted;
        entry.previous = Math.max(0, reply.granted - needed);
        while (entry.held > 0 && entry.waiters.length > 0) {
          entry.held--;
          entry.waiters.shift()?.resolve(state(entry, now()));
        }
        if (entry.waiters.length > 0 && reply.count >= plan) {
          // Redis has leased the whole plan: refuse who is still waiting.
          const refused = new RateLimiterRes(0, Math.max(0, entry.resetAt - now()), plan + 1);
          for (const waiter of entry.waiters.splice(0)) waiter.reject(refused);
        }
        // Near the limit nothing is held ahead: what this replica does not need now, another may.
        if (leaseAhead({ plan, count: entry.count, replicas: entry.replicas, previous: 0 }) === 0) await returnHeld(key, entry);
        if (entry.waiters.length === 0) return;
      }
    } finally {
      entry.busy = false;
    }
  };

  /** Gives back units of keys idle for `idleMs` and forgets keys whose window ended or that hold nothing. */
  const sweep = () => {
    sweeping = undefined;
    const at = now();
    for (const [key, entry] of leases) {
      if (entry.busy || at - entry.lastUse < options.idleMs) continue;
      if (entry.held === 0 || entry.resetAt <= at) {
        leases.delete(key);
        continue;
      }
      entry.busy = true;
      void returnHeld(key, entry).finally(() => {
        entry.busy = false;
        if (entry.waiters.length > 0) void refill(key, entry);
      });
    }
    arm();
  };
  const arm = () => {
    if (sweeping || leases.size === 0) return;
    sweeping = setTimeout(sweep, options.idleMs);
    // A replica that holds leases must not be kept alive by them.
    sweeping.unref();
  };

  return {
    async writeBack() {
      const owed = counts.owed(now());
      // In bounded bursts: each burst is pipelined on the connection, and a burst larger than Redis
      // can run within the deadline would only time out and stay owed.
      for (let i = 0; i < owed.length; i += WRITE_BACK_BURST) {
        const burst: Promise<LeaseReply>[] = [];
        for (const key of owed.slice(i, i + WRITE_BACK_BURST)) {
          // A request may have carried it since the list was taken.
          const carry = counts.takeCarry(key, now());
          if (carry) burst.push(ask(key, 0, 0, carry));
        }
        const settled = await Promise.allSettled(burst);
        if (settled.some((outcome) => outcome.status === 'rejected')) return;
      }
    },
    consume(key) {
      const at = now();
      let entry = leases.get(key);
      if (!entry) {
        entry = {
          window: '',
          resetAt: Number.POSITIVE_INFINITY,
          held: 0,
          count: 0,
          replicas: 1,
          previous: 0,
          lastUse: at,
          busy: false,
          waiters: [],
        };
        leases.set(key, entry);
        arm();
      } else if (entry.resetAt <= at) {
        // The window ended: its units expired with it in Redis.
        entry.held = 0;
        entry.count = 0;
        entry.previous = 0;
      }
      entry.lastUse = at;
      if (entry.held > 0) {
        entry.held--;
        if (!entry.busy && entry.held * 2 <= entry.previous) void refill(key, entry);
        return Promise.resolve(state(entry, at));
      }
      const waiting = entry;
      return new Promise<RateLimiterRes>((resolve, reject) => {
        waiting.waiters.push({ resolve, reject });
        if (!waiting.busy) void refill(key, waiting);
      });
    },
  };
}
