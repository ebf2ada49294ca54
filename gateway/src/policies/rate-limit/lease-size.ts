/**
 * How many units a replica asks for when it leases ahead of demand. Two bounds:
 * - a share of what is left: `SHARE` of (plan - count) divided by the replicas leasing in the window,
 *   so the budget is never cornered by one replica and slices shrink as the window fills;
 * - demand: it starts at `FIRST` and doubles with each lease used up, so an idle partner holds little
 *   and a busy one soon leases in large slices (one round trip per thousands of requests).
 * A slice of 1 or less is "near the limit": the replica then holds nothing ahead and leases exactly
 * what waiting requests need, so the last units of the plan are exact. The replica decides from what
 * Redis last told it; the lease script applies the same share to Redis's current count and replicas
 * (a replica's first lease in a window does not know how many others lease in it).
 */
export const SHARE = 0.25;
export const FIRST = 4;
export const LARGEST = 65_536;

export interface LeaseView {
  plan: number;
  /** Units leased in the window by all replicas, as Redis last said. */
  count: number;
  replicas: number;
  /** The last slice this replica leased ahead (0 when none yet). */
  previous: number;
}

/** Units to lease ahead of demand; 0 when near the limit. */
export function leaseAhead(view: LeaseView): number {
  const share = Math.floor((SHARE * Math.max(0, view.plan - view.count)) / Math.max(1, view.replicas));
  if (share <= 1) return 0;
  const demand = view.previous === 0 ? FIRST : Math.min(LARGEST, view.previous * 2);
  return Math.min(share, demand);
}
