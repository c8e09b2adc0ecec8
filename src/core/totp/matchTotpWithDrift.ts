import { constantTimeEqual } from '../otp/constantTimeEqual';
import { TOTP_PERIOD_SECONDS, totpCodeAt } from './totp';

/** A code that matched outside the window, waiting for the next code to confirm its offset. */
export type TotpPendingResync = {
  /** The time step the first code matched (never accepted: the confirming code must be later). */
  step: number;
  /** That step minus the server's step when it came: how far the device's clock is off. */
  offsetSteps: number;
  atMs: number;
};

/** What a TOTP factor remembers about its device's clock. */
export type TotpClockState = {
  /** The last accepted time step: it and every earlier one are never accepted again. */
  lastTimeStep: number | null;
  /** The learned offset of the device's clock, in steps; the window is centred on it. */
  offsetSteps: number;
  pendingResync: TotpPendingResync | null;
};

export type TotpDriftPolicy = {
  /** Steps either side of the (offset) centre accepted at once. @default 1 */
  windowSteps: number;
  /** How far (in steps, either way) a device's clock may be off and still be learned; 0 turns learning off. @default 10 */
  resyncMaxSteps: number;
  /** How long a first out-of-window code waits for the code that confirms it. @default 300 */
  resyncSeconds: number;
};

export type TotpDriftOutcome =
  /** Accept, and store `step` as the last used step and `offsetSteps` as the device's offset. */
  | { kind: 'accepted'; step: number; offsetSteps: number; resynced: boolean }
  /** Not accepted: the code fits a clock `offsetSteps` off; keep `pendingResync` and ask for the next code. */
  | { kind: 'resync_needed'; pendingResync: TotpPendingResync }
  | { kind: 'no_match' };

/** The server's time step at `nowMs`. */
export function totpStepAt(nowMs: number): number {
  return Math.floor(nowMs / 1000 / TOTP_PERIOD_SECONDS);
}

/**
 * Checks a TOTP code against a device whose clock may be off (RFC 6238 §6 resynchronisation).
 *
 * 1. Within `windowSteps` of the learned offset: accepted; the offset follows the step it
 *    matched (by at most `windowSteps`, so a slowly drifting clock is tracked).
 * 2. Within `windowSteps` of a pending resync's offset, later than its step and within
 *    `resyncSeconds` of it: accepted, and that offset is learned.
 * 3. Anywhere within `resyncMaxSteps` of the server's step: not accepted; the caller keeps the
 *    returned pending resync and asks for the next code.
 *
 * A step at or before `lastTimeStep` never matches. Why the wider search gives a guesser
 * nothing: a lone code outside the window is never accepted, so acceptance always needs a code
 * inside a window of 2·windowSteps+1 steps — the learned one, or one a real code opened (the
 * pending resync) and a failed attempt closes again.
 */
export async function matchTotpWithDrift(input: {
  secret: string;
  code: string;
  nowMs: number;
  state: TotpClockState;
  policy: TotpDriftPolicy;
}): Promise<TotpDriftOutcome> {
  const { secret, code, nowMs, state, policy } = input;
  const current = totpStepAt(nowMs);
  const max = policy.resyncMaxSteps;
  const w = policy.windowSteps;
  const codes = new Map<number, string>();
  const codeAtStep = async (step: number) => {
    let known = codes.get(step);
    if (known === undefined) {
      known = await totpCodeAt(secret, step * TOTP_PERIOD_SECONDS * 1000);
      codes.set(step, known);
    }
    return known;
  };
  const firstMatch = async (from: number, to: number): Promise<number | null> => {
    for (let step = from; step <= to; step += 1) {
      if (step < 0 || (state.lastTimeStep !== null && step <= state.lastTimeStep)) continue;
      if (constantTimeEqual(code, await codeAtStep(step))) return step;
    }
    return null;
  };
  // A stored offset out of today's bounds (the policy was narrowed) counts as none learned.
  const learned = Number.isInteger(state.offsetSteps) && Math.abs(state.offsetSteps) <= max ? state.offsetSteps : 0;
  const clamp = (offset: number) => Math.max(-max, Math.min(max, offset));

  const inWindow = await firstMatch(current + learned - w, current + learned + w);
  if (inWindow !== null) return { kind: 'accepted', step: inWindow, offsetSteps: clamp(inWindow - current), resynced: false };
  if (max === 0) return { kind: 'no_match' };

  const pending = state.pendingResync;
  if (pending && nowMs - pending.atMs <= policy.resyncSeconds * 1000 && nowMs >= pending.atMs && Math.abs(pending.offsetSteps) <= max) {
    const from = Math.max(pending.step + 1, current + pending.offsetSteps - w, current - max);
    const confirmed = await firstMatch(from, Math.min(current + pending.offsetSteps + w, current + max));
    if (confirmed !== null) return { kind: 'accepted', step: confirmed, offsetSteps: confirmed - current, resynced: true };
  }

  const outside = await firstMatch(current - max, current + max);
  if (outside === null) return { kind: 'no_match' };
  // The same first code again changes nothing: a replay neither stretches the wait nor moves the offset.
  if (pending && pending.step === outside) return { kind: 'resync_needed', pendingResync: pending };
  return { kind: 'resync_needed', pendingResync: { step: outside, offsetSteps: outside - current, atMs: nowMs } };
}
