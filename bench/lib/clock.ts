/**
 * Milliseconds of the system's monotonic clock (CLOCK_MONOTONIC, what libuv's hrtime reads). Every
 * process on the machine reads the same clock, so a stamp taken by a sender in one generator
 * process can be subtracted from an arrival time in another, and from V8 CPU profile timestamps
 * (microseconds of the same clock) to cut a profile to the measured window.
 */
export function now(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
