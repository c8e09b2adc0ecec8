import type { Clock } from '../../src/core/clock';

export type FakeClock = Clock & { advanceSeconds(seconds: number): void; set(ms: number): void };

/** A clock that moves only when told, so expiry and lockout are tested without sleeping. */
export function fakeClock(startMs = Date.UTC(2026, 0, 15, 9, 0, 0)): FakeClock {
  let now = startMs;
  return {
    nowMs: () => now,
    advanceSeconds: (seconds) => {
      now += seconds * 1000;
    },
    set: (ms) => {
      now = ms;
    },
  };
}
