/**
 * The current time (ms since the epoch), injectable so tests can replay deliveries signed long
 * ago and move time instead of waiting for it. Every read of the time of day goes through one
 * (src/time-reads.spec.ts keeps it so): the DI token below in Nest providers, a clock handed in
 * by the caller elsewhere. Durations measured against real timers (the shutdown drain's deadline,
 * a span's length) stay on `performance.now()`: a wall clock stepped by NTP must not stretch them.
 */
export interface Clock {
  now(): number;
}

export const Clock = Symbol('Clock');

export const systemClock: Clock = { now: () => Date.now() };
