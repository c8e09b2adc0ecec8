import { waitingFirstFactorRefs } from '../../src/core/assurance/waitingFirstFactorRefs';

const H = 3600_000;

describe('waitingFirstFactorRefs (a factor bound with the password alone waits before it counts)', () => {
  it('holds the account’s first factor until waitSeconds after it was enrolled, then lets it count', () => {
    const instances = [{ ref: 'pk1', enrolledAtMs: 0 }];
    expect(waitingFirstFactorRefs(instances, { nowMs: 72 * H - 1, waitSeconds: 72 * 3600 })).toEqual(['pk1']);
    expect(waitingFirstFactorRefs(instances, { nowMs: 72 * H, waitSeconds: 72 * 3600 })).toEqual([]);
  });

  it('leaves a factor enrolled while a settled one existed to the cool-off (not held here)', () => {
    const instances = [
      { ref: 'phone', enrolledAtMs: 0 },
      { ref: 'pk2', enrolledAtMs: 80 * H },
    ];
    expect(waitingFirstFactorRefs(instances, { nowMs: 80 * H + 1, waitSeconds: 72 * 3600 })).toEqual([]);
  });

  // Red team #17 second pass: a factor bound on the step-up of one that proved no more than the
  // password (itself still waiting, or backup codes) waits its own full time.
  it('holds a factor enrolled while the only other one was still waiting, for its own wait', () => {
    const instances = [
      { ref: 'phone', enrolledAtMs: 0 },
      { ref: 'pk2', enrolledAtMs: 10 * H },
    ];
    expect(waitingFirstFactorRefs(instances, { nowMs: 10 * H + 1, waitSeconds: 72 * 3600 })).toEqual(['phone', 'pk2']);
    expect(waitingFirstFactorRefs(instances, { nowMs: 72 * H, waitSeconds: 72 * 3600 })).toEqual(['pk2']);
    expect(waitingFirstFactorRefs(instances, { nowMs: 82 * H, waitSeconds: 72 * 3600 })).toEqual([]);
  });

  it('lets backup codes vouch for nothing, however long they were there', () => {
    const instances = [
      { ref: 'codes', enrolledAtMs: 0, vouches: false },
      { ref: 'pk', enrolledAtMs: 100 * H },
    ];
    expect(waitingFirstFactorRefs(instances, { nowMs: 100 * H + 1, waitSeconds: 72 * 3600 })).toEqual(['pk']);
    expect(waitingFirstFactorRefs(instances, { nowMs: 172 * H, waitSeconds: 72 * 3600 })).toEqual([]);
  });

  it('holds every factor enrolled at the very first moment (no other came before any of them)', () => {
    const instances = [
      { ref: 'a', enrolledAtMs: 5 },
      { ref: 'b', enrolledAtMs: 5 },
    ];
    expect(waitingFirstFactorRefs(instances, { nowMs: 6, waitSeconds: 60 }).sort()).toEqual(['a', 'b']);
  });

  it('holds nothing with waitSeconds 0 or no factors', () => {
    expect(waitingFirstFactorRefs([{ ref: 'pk1', enrolledAtMs: 0 }], { nowMs: 1, waitSeconds: 0 })).toEqual([]);
    expect(waitingFirstFactorRefs([], { nowMs: 1, waitSeconds: 60 })).toEqual([]);
  });
});
