import type { TotpClockState, TotpPendingResync } from './matchTotpWithDrift';

/**
 * A TOTP factor's clock state from its stored `data` (`lastTimeStep`, `offsetSteps`,
 * `pendingResync`). Anything missing or malformed reads as nothing learned: no offset, no
 * pending resync — never as a wider window.
 */
export function totpClockStateOf(data: Readonly<Record<string, unknown>>): TotpClockState {
  const last = data.lastTimeStep;
  const offset = data.offsetSteps;
  return {
    lastTimeStep: typeof last === 'number' && Number.isInteger(last) ? last : null,
    offsetSteps: typeof offset === 'number' && Number.isInteger(offset) ? offset : 0,
    pendingResync: pendingOf(data.pendingResync),
  };
}

function pendingOf(value: unknown): TotpPendingResync | null {
  if (typeof value !== 'object' || value === null) return null;
  const { step, offsetSteps, atMs } = value as Record<string, unknown>;
  if (![step, offsetSteps, atMs].every((n) => typeof n === 'number' && Number.isInteger(n))) return null;
  return { step: step as number, offsetSteps: offsetSteps as number, atMs: atMs as number };
}
