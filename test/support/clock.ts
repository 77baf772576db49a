import type { Clock } from '../../src/services/clock.ts';

/** A clock that follows real time plus an offset the test can advance. */
export class TestClock implements Clock {
  private offset = 0;

  now(): number {
    return Date.now() + this.offset;
  }

  advance(ms: number): void {
    this.offset += ms;
  }
}
