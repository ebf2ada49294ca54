import type { Redis } from 'ioredis';

/**
 * The Redis side of leasing: one hash per partner key and fixed window, expiring with the window.
 *   n  units leased in the window by every replica (admitted or still held), never above the plan
 *      except by points a replica counted in memory during an outage and wrote back (CARRY below)
 *   r  replicas that leased in the window (x:<replica> marks each once), to share the budget
 *   w  the window's id, so a lease returned late never lands in a later window
 */

/**
 * KEYS[1] the window hash. ARGV: units needed now, plan, window ms, replica id, id for a new window,
 * then the carry (points counted in memory during an outage, the count Redis last gave before them,
 * ms left in their window; 0 points when none).
 *
 * The carry first: when the hash holds at least `base`, Redis kept the window the memory count
 * continued from, so the points are added; otherwise Redis lost it (restarted empty, evicted) and
 * what it holds was counted since by replicas that never failed over, so the window continues with
 * base + memory + that, ending when the memory's window ends.
 *
 * Then the lease: the units asked for requests waiting now, plus up to ARGV[9] ahead of demand but
 * no more ahead than the share ARGV[10] of what is left divided by the replicas leasing in the window
 * (none when that is 1 or less), all within plan - n; possibly 0. Returns { granted, n, ms left,
 * replicas, id }.
 */
const LEASE = `
local key = KEYS[1]
local asked, plan, windowMs = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local carry, base, carryMs = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local ttl = redis.call('PTTL', key)
if ttl == -1 then redis.call('DEL', key) ttl = -2 end
if carry > 0 then
  local current = 0
  if ttl > 0 then current = tonumber(redis.call('HGET', key, 'n') or '0') end
  if ttl > 0 and current >= base then
    redis.call('HINCRBY', key, 'n', carry)
  else
    local ms = carryMs
    if ttl > 0 and ttl < ms then ms = ttl end
    if ttl <= 0 then redis.call('HSET', key, 'r', 0, 'w', ARGV[5]) end
    redis.call('HSET', key, 'n', base + current + carry)
    redis.call('PEXPIRE', key, ms)
    ttl = ms
  end
end
if ttl <= 0 then
  redis.call('HSET', key, 'n', 0, 'r', 0, 'w', ARGV[5])
  redis.call('PEXPIRE', key, windowMs)
  ttl = windowMs
end
if redis.call('HSETNX', key, 'x:' .. ARGV[4], 1) == 1 then redis.call('HINCRBY', key, 'r', 1) end
local n = tonumber(redis.call('HGET', key, 'n'))
local replicas = tonumber(redis.call('HGET', key, 'r'))
local ahead = tonumber(ARGV[9])
local share = math.floor(tonumber(ARGV[10]) * (plan - n - asked) / replicas)
if share <= 1 then ahead = 0 elseif ahead > share then ahead = share end
asked = asked + ahead
local granted = plan - n
if asked < granted then granted = asked end
if granted < 0 then granted = 0 end
if granted > 0 then n = redis.call('HINCRBY', key, 'n', granted) end
return {granted, n, ttl, replicas, redis.call('HGET', key, 'w')}`;

/** KEYS[1] the window hash. ARGV: units, window id. Gives units back only to the window they came from. */
const RETURN = `
if redis.call('HGET', KEYS[1], 'w') ~= ARGV[2] then return -1 end
local n = redis.call('HINCRBY', KEYS[1], 'n', -tonumber(ARGV[1]))
if n < 0 then redis.call('HSET', KEYS[1], 'n', 0) n = 0 end
return n`;

export interface LeaseRequest {
  key: string;
  /** Units for requests waiting now. */
  needed: number;
  /** Units wanted ahead of demand, capped by Redis to `share` of what is left per replica. */
  ahead: number;
  share: number;
  plan: number;
  windowMs: number;
  replica: string;
  /** The id the window gets if this call starts it. */
  newWindow: string;
  carry?: { points: number; base: number; msLeft: number } | undefined;
}

export interface LeaseReply {
  granted: number;
  /** Units leased in the window by all replicas, after this grant. */
  count: number;
  msLeft: number;
  replicas: number;
  window: string;
}

export async function lease(redis: Redis, request: LeaseRequest): Promise<LeaseReply> {
  const { carry } = request;
  const [granted, count, msLeft, replicas, window] = (await redis.eval(
    LEASE,
    1,
    request.key,
    String(request.needed),
    String(request.plan),
    String(request.windowMs),
    request.replica,
    request.newWindow,
    String(carry?.points ?? 0),
    String(carry?.base ?? 0),
    String(Math.max(1, Math.ceil(carry?.msLeft ?? 1))),
    String(request.ahead),
    String(request.share),
  )) as [number, number, number, number, string];
  return { granted, count, msLeft, replicas, window };
}

/** Gives unused units back to their window; the window's count after, or -1 when it has ended. */
export async function giveBack(redis: Redis, key: string, units: number, window: string): Promise<number> {
  return (await redis.eval(RETURN, 1, key, String(units), window)) as number;
}
