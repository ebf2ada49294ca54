/** Time as a dependency, so tests can pin it and nothing reads the wall clock behind their back. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
