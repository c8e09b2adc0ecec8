import type { Clock } from './core/clock';

/** The real clock; the only place stepguard reads the system time. */
export const systemClock: Clock = { nowMs: () => Date.now() };
