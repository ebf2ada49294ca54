import { createHmac, randomBytes } from 'node:crypto';
import { verifyClientSecret } from './client-secret.ts';

/**
 * Client-secret verification that the token endpoint's callers cannot turn against it. scrypt runs
 * on libuv's threadpool (4 threads, shared with file and DNS work): unbounded, a flood of guesses
 * would queue behind each other and every legitimate token request with them. So at most
 * `concurrency` verifications run and `queueLimit` wait; past that the caller is told to come back
 * (503 with Retry-After). Waiting verifications of `high` priority (clients without recent failures)
 * go before `low` ones (ids under attack), so a guessing flood delays a good client by at most the
 * verifications already running. A secret that verified is remembered for `cacheTtlMs` under a keyed hash
 * (HMAC with a per-process random key: the cache never holds a secret, nor a hash that could be
 * attacked offline), so a legitimate client does not pay scrypt on every token.
 */
export interface SecretVerifierOptions {
  concurrency: number;
  queueLimit: number;
  cacheSize?: number;
  cacheTtlMs?: number;
  now?: () => number;
}

export interface SecretVerifier {
  /** Whether `secret` matches the stored hash; throws SecretVerifierBusyError when the queue is full. */
  verify(secret: string, stored: string, priority?: VerificationPriority): Promise<boolean>;
  /** Whether this secret verified against this hash recently (no scrypt). */
  known(secret: string, stored: string): boolean;
}

export type VerificationPriority = 'high' | 'low';

export class SecretVerifierBusyError extends Error {
  constructor() {
    super('Too many client authentications are in progress; retry in a second.');
    this.name = this.constructor.name;
  }
}

export function createSecretVerifier(options: SecretVerifierOptions): SecretVerifier {
  const { concurrency, queueLimit } = options;
  const cacheSize = options.cacheSize ?? 10_000;
  const cacheTtlMs = options.cacheTtlMs ?? 10 * 60_000;
  const now = options.now ?? Date.now;
  const key = randomBytes(32);
  const verified = new Map<string, number>();
  const waiting: Record<VerificationPriority, (() => void)[]> = { high: [], low: [] };
  let running = 0;

  const cacheKey = (secret: string, stored: string) =>
    createHmac('sha256', key).update(stored).update('\n').update(secret).digest('base64url');
  const known = (secret: string, stored: string): boolean => {
    const id = cacheKey(secret, stored);
    const until = verified.get(id);
    if (until === undefined) return false;
    if (until <= now()) {
      verified.delete(id);
      return false;
    }
    return true;
  };
  const remember = (secret: string, stored: string) => {
    if (verified.size >= cacheSize) verified.delete(verified.keys().next().value!);
    verified.set(cacheKey(secret, stored), now() + cacheTtlMs);
  };

  async function slot(priority: VerificationPriority): Promise<void> {
    if (running < concurrency) {
      running++;
      return;
    }
    if (waiting.high.length + waiting.low.length >= queueLimit) throw new SecretVerifierBusyError();
    // The finishing verification hands its slot over: `running` stays as it is.
    await new Promise<void>((resolve) => waiting[priority].push(resolve));
  }
  function release(): void {
    const next = waiting.high.shift() ?? waiting.low.shift();
    if (next) next();
    else running--;
  }

  return {
    known,
    async verify(secret, stored, priority = 'high') {
      if (known(secret, stored)) return true;
      await slot(priority);
      try {
        const ok = await verifyClientSecret(secret, stored);
        if (ok) remember(secret, stored);
        return ok;
      } finally {
        release();
      }
    },
  };
}
