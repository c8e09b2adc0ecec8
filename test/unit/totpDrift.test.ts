import fc from 'fast-check';
import { matchTotpWithDrift, totpStepAt, type TotpClockState, type TotpDriftPolicy } from '../../src/core/totp/matchTotpWithDrift';
import { totpClockStateOf } from '../../src/core/totp/totpClockStateOf';
import { totpCodeAt } from '../../src/core/totp/totp';
import { parseStepGuardOptions } from '../../src/config';

const POLICY: TotpDriftPolicy = { windowSteps: 1, resyncMaxSteps: 10, resyncSeconds: 300 };
const STEP_MS = 30_000;
const FRESH: TotpClockState = { lastTimeStep: null, offsetSteps: 0, pendingResync: null };
// RFC 6238's SHA-1 test secret, for the examples; the properties use random ones.
const SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const T0 = Date.UTC(2026, 0, 15, 9, 0, 0);

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
function base32(bytes: Uint8Array): string {
  let bits = '';
  for (const b of bytes) bits += b.toString(2).padStart(8, '0');
  return (bits.match(/.{1,5}/g) ?? []).map((chunk) => BASE32[parseInt(chunk.padEnd(5, '0'), 2)]).join('');
}

/** What the device shows at server time `nowMs` when its clock is `offsetSteps` steps off. */
const deviceCode = (secret: string, nowMs: number, offsetSteps: number) => totpCodeAt(secret, nowMs + offsetSteps * STEP_MS);
const match = (code: string, nowMs: number, state: TotpClockState, secret = SECRET, policy = POLICY) => matchTotpWithDrift({ secret, code, nowMs, state, policy });

/** Whether the codes of `steps` are all distinct (a 6-digit code repeats by chance ~1 in a million). */
async function distinctCodes(secret: string, steps: number[]): Promise<boolean> {
  const codes = await Promise.all(steps.map((s) => totpCodeAt(secret, s * STEP_MS)));
  return new Set(codes).size === codes.length;
}
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('matchTotpWithDrift: examples', () => {
  it('accepts ±1 step at once, and a device 2 minutes fast only after a second code at the same offset', async () => {
    expect(await match(await deviceCode(SECRET, T0, 1), T0, FRESH)).toMatchObject({ kind: 'accepted', resynced: false, offsetSteps: 1 });
    const first = await match(await deviceCode(SECRET, T0, 4), T0, FRESH);
    expect(first).toEqual({ kind: 'resync_needed', pendingResync: { step: totpStepAt(T0) + 4, offsetSteps: 4, atMs: T0 } });
    const pending = first.kind === 'resync_needed' ? first.pendingResync : null;
    const later = T0 + STEP_MS;
    expect(await match(await deviceCode(SECRET, later, 4), later, { ...FRESH, pendingResync: pending })).toEqual({
      kind: 'accepted',
      step: totpStepAt(later) + 4,
      offsetSteps: 4,
      resynced: true,
    });
  });

  it('does not let the first code confirm itself', async () => {
    const code = await deviceCode(SECRET, T0, -4);
    const first = await match(code, T0, FRESH);
    expect(first.kind).toBe('resync_needed');
    const state = { ...FRESH, pendingResync: first.kind === 'resync_needed' ? first.pendingResync : null };
    const again = await match(code, T0 + STEP_MS, state);
    // Still only a candidate, and the wait is not stretched by the replay.
    expect(again).toEqual({ kind: 'resync_needed', pendingResync: { step: totpStepAt(T0) - 4, offsetSteps: -4, atMs: T0 } });
  });

  it('finds nothing further off than resyncMaxSteps, and learns nothing when resync is off', async () => {
    expect(await match(await deviceCode(SECRET, T0, 11), T0, FRESH)).toEqual({ kind: 'no_match' });
    expect(await match(await deviceCode(SECRET, T0, -11), T0, FRESH)).toEqual({ kind: 'no_match' });
    const off = { ...POLICY, resyncMaxSteps: 0 };
    expect(await match(await deviceCode(SECRET, T0, 4), T0, FRESH, SECRET, off)).toEqual({ kind: 'no_match' });
    expect(await match(await deviceCode(SECRET, T0, 1), T0, FRESH, SECRET, off)).toMatchObject({ kind: 'accepted', offsetSteps: 0 });
  });

  it('forgets a pending resync after resyncSeconds', async () => {
    const pendingResync = { step: totpStepAt(T0) + 4, offsetSteps: 4, atMs: T0 };
    const late = T0 + 301_000;
    expect((await match(await deviceCode(SECRET, late, 4), late, { ...FRESH, pendingResync })).kind).toBe('resync_needed');
  });

  it('reads a malformed stored state as nothing learned', () => {
    expect(totpClockStateOf({ lastTimeStep: '9', offsetSteps: 1.5, pendingResync: { step: 1, offsetSteps: 'x', atMs: 0 } })).toEqual(FRESH);
    expect(totpClockStateOf({ lastTimeStep: 7, offsetSteps: -3, pendingResync: { step: 9, offsetSteps: -3, atMs: 5 } })).toEqual({
      lastTimeStep: 7,
      offsetSteps: -3,
      pendingResync: { step: 9, offsetSteps: -3, atMs: 5 },
    });
  });

  it('ignores a learned offset wider than today’s policy', async () => {
    const code = await deviceCode(SECRET, T0, 15);
    expect((await match(code, T0, { ...FRESH, offsetSteps: 15 })).kind).toBe('no_match');
  });
});

describe('matchTotpWithDrift: properties over offsets', () => {
  const secrets = fc.uint8Array({ minLength: 20, maxLength: 20 }).map(base32);
  const times = fc.integer({ min: 0, max: 10_000_000 }).map((n) => T0 + n * 1000);
  const runs = { numRuns: 60 };

  it('a device off by 2..10 steps either way verifies after two consecutive codes, then at once; its codes never again', async () => {
    await fc.assert(
      fc.asyncProperty(secrets, times, fc.integer({ min: 2, max: 10 }).chain((n) => fc.constantFrom(n, -n)), fc.integer({ min: 30, max: 290 }), fc.integer({ min: 30, max: 3600 }), async (secret, t1, offset, waitSeconds, laterSeconds) => {
        const t2 = t1 + waitSeconds * 1000;
        const t3 = t2 + laterSeconds * 1000;
        fc.pre(await distinctCodes(secret, range(totpStepAt(t1) - 12, totpStepAt(t3) + 12)));
        const code1 = await deviceCode(secret, t1, offset);
        const first = await match(code1, t1, FRESH, secret);
        expect(first).toMatchObject({ kind: 'resync_needed', pendingResync: { offsetSteps: offset } });
        const pending = first.kind === 'resync_needed' ? first.pendingResync : null;
        const code2 = await deviceCode(secret, t2, offset);
        // At least 30 s later: the app shows the next code (or a later one).
        const second = await match(code2, t2, { ...FRESH, pendingResync: pending }, secret);
        expect(second).toMatchObject({ kind: 'accepted', offsetSteps: offset, resynced: true });
        const learned: TotpClockState = { lastTimeStep: second.kind === 'accepted' ? second.step : null, offsetSteps: offset, pendingResync: null };
        expect((await match(code1, t2, learned, secret)).kind).toBe('no_match');
        expect((await match(code2, t2, learned, secret)).kind).toBe('no_match');
        const code3 = await deviceCode(secret, t3, offset);
        expect(await match(code3, t3, learned, secret)).toMatchObject({ kind: 'accepted', offsetSteps: offset, resynced: false });
      }),
      runs,
    );
  });

  it('two real codes at offsets more than one step apart are never accepted together', async () => {
    const offsets = fc.integer({ min: -10, max: 10 }).filter((n) => Math.abs(n) >= 2);
    await fc.assert(
      fc.asyncProperty(secrets, times, offsets, offsets, async (secret, t1, o1, o2) => {
        fc.pre(Math.abs(o1 - o2) >= 2);
        const t2 = t1 + 60_000;
        fc.pre(await distinctCodes(secret, range(totpStepAt(t1) - 12, totpStepAt(t2) + 12)));
        const first = await match(await deviceCode(secret, t1, o1), t1, FRESH, secret);
        const pendingResync = first.kind === 'resync_needed' ? first.pendingResync : null;
        const second = await match(await deviceCode(secret, t2, o2), t2, { ...FRESH, pendingResync }, secret);
        expect(second.kind).toBe('resync_needed');
        // A new candidate at its own offset, unless it was the very step of the first code again.
        if (totpStepAt(t2) + o2 !== totpStepAt(t1) + o1) expect(second).toMatchObject({ pendingResync: { offsetSteps: o2, atMs: t2 } });
      }),
      runs,
    );
  });

  it('a guess is accepted only if it is a code of the learned window or of a pending resync’s window: the wide search alone accepts nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        secrets,
        times,
        fc.integer({ min: -10, max: 10 }),
        fc.option(fc.integer({ min: -10, max: 10 }), { nil: null }),
        fc.integer({ min: 0, max: 999_999 }).map((n) => String(n).padStart(6, '0')),
        fc.boolean(),
        async (secret, now, learnedOffset, pendingOffset, randomGuess, guessRealCode) => {
          const current = totpStepAt(now);
          const pendingResync = pendingOffset === null ? null : { step: current + pendingOffset - 1, offsetSteps: pendingOffset, atMs: now - STEP_MS };
          const state: TotpClockState = { lastTimeStep: current - 20, offsetSteps: learnedOffset, pendingResync };
          // Half the runs guess a real code anywhere in ±10 steps, where a blind guess would almost never land.
          const realCode = await totpCodeAt(secret, (current + ((now / 1000) % 21) - 10) * STEP_MS);
          const guess = guessRealCode ? realCode : randomGuess;
          const outcome = await match(guess, now, state, secret);
          const windowSteps = [...range(current + learnedOffset - 1, current + learnedOffset + 1), ...(pendingOffset === null ? [] : range(current + pendingOffset - 1, current + pendingOffset + 1))];
          const windowCodes = await Promise.all(windowSteps.map((s) => totpCodeAt(secret, s * STEP_MS)));
          if (outcome.kind === 'accepted') expect(windowCodes).toContain(guess);
          if (outcome.kind === 'resync_needed') expect(Math.abs(outcome.pendingResync.offsetSteps)).toBeLessThanOrEqual(10);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('totp options', () => {
  it('default to ±1 step, learning up to 10 steps within 300 s', () => {
    expect(parseStepGuardOptions({ environment: 'test' }).totp).toEqual({ windowSteps: 1, resyncMaxSteps: 10, resyncSeconds: 300 });
  });

  it('refuse a window that would widen what a guess can hit, naming the option', () => {
    expect(() => parseStepGuardOptions({ environment: 'test', totp: { windowSteps: 3 } })).toThrow(/totp\.windowSteps.*let resync learn the offset/);
    expect(() => parseStepGuardOptions({ environment: 'test', totp: { resyncMaxSteps: 21 } })).toThrow(/totp\.resyncMaxSteps/);
  });
});
