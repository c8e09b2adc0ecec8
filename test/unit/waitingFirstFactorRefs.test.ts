import { waitingFirstFactorRefs } from '../../src/core/assurance/waitingFirstFactorRefs';

const H = 3600_000;

describe('waitingFirstFactorRefs (a factor bound with the password alone waits before it counts)', () => {
  it('holds the account’s first factor until waitSeconds after it was enrolled, then lets it count', () => {
    const instances = [{ ref: 'pk1', enrolledAtMs: 0 }];
    expect(waitingFirstFactorRefs(instances, { nowMs: 72 * H - 1, waitSeconds: 72 * 3600 })).toEqual(['pk1']);
    expect(waitingFirstFactorRefs(instances, { nowMs: 72 * H, waitSeconds: 72 * 3600 })).toEqual([]);
  });

  it('leaves a factor enrolled while another existed to the cool-off (not held here)', () => {
    const instances = [
      { ref: 'phone', enrolledAtMs: 0 },
      { ref: 'pk2', enrolledAtMs: 10 * H },
    ];
    expect(waitingFirstFactorRefs(instances, { nowMs: 10 * H + 1, waitSeconds: 72 * 3600 })).toEqual(['phone']);
    expect(waitingFirstFactorRefs(instances, { nowMs: 100 * H, waitSeconds: 72 * 3600 })).toEqual([]);
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
