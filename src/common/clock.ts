/** The current time, injectable so tests can replay deliveries signed long ago. */
export interface Clock {
  now(): number;
}

export const Clock = Symbol('Clock');

export const systemClock: Clock = { now: () => Date.now() };
