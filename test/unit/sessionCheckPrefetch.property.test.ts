import fc from 'fast-check';
import type { Request } from 'express';
import type { StepGuardService } from '../../src/service/createStepGuardService';
import { sessionLive, sessionLoadingHook } from '../../src/http/sessionLiveness';
import { fakeSessionRequest } from '../helpers/fakeSessionRequest';

/**
 * The revocation check that rides with the session load (sessionLiveness.ts), under random
 * interleavings of one session's requests: arrivals, session loads, checks, revocations and
 * Redis answers in any order. Whatever the order, a request that arrived after the session was
 * revoked is refused: the read its check uses started after it arrived (issue 12: a check shares
 * the newest read started by a load, never one started before its own load).
 */

type Read = { startedAt: number; resolve: () => void; fail: () => void; settled: boolean };
type Step = { kind: 'arrive' | 'load' | 'check' | 'revoke' | 'answer' | 'fail'; pick: number };

const IDENTITY = { userId: 'u1', bindingId: 'b1', generation: 0, epoch: 1 };

const fakeRequest = (sessionId: string): Request => fakeSessionRequest(sessionId, IDENTITY);

async function run(steps: Step[]): Promise<string[]> {
  let now = 0;
  let revokedAt: number | null = null;
  const reads: Read[] = [];
  // A read answers with what the store held when it started (the stalest answer Redis could give).
  const service = {
    sessionStanding: () => {
      const startedAt = now++;
      return new Promise<'live' | 'revoked'>((resolve, reject) => {
        const read: Read = {
          startedAt,
          settled: false,
          resolve: () => resolve(revokedAt !== null && revokedAt < startedAt ? 'revoked' : 'live'),
          // A Redis blip: the read fails (the check must then fail closed or read again, never pass).
          fail: () => reject(new Error('Connection is closed.')),
        };
        reads.push(read);
      });
    },
  } as unknown as StepGuardService;
  const loading = sessionLoadingHook(service);
  type InFlight = { arrivedAt: number; req: Request; loaded: boolean; answer?: Promise<boolean> };
  const requests: InFlight[] = [];
  const checks: Promise<void>[] = [];
  const problems: string[] = [];
  // A first request makes the session known to the node (remembered at once: a GET).
  const first = fakeRequest('s1');
  loading('s1');
  const firstAnswer = sessionLive(service, first, 'u1');
  for (const read of reads.splice(0)) read.resolve();
  await firstAnswer;

  for (const step of steps) {
    const waiting = (pred: (r: InFlight) => boolean) => requests.filter(pred);
    if (step.kind === 'arrive') requests.push({ arrivedAt: now++, req: fakeRequest('s1'), loaded: false });
    else if (step.kind === 'revoke') revokedAt ??= now++;
    else if (step.kind === 'load') {
      const candidates = waiting((r) => !r.loaded);
      const r = candidates[step.pick % Math.max(candidates.length, 1)];
      if (!r) continue;
      r.loaded = true;
      now++;
      loading('s1');
    } else if (step.kind === 'check') {
      const candidates = waiting((r) => r.loaded && !r.answer);
      const r = candidates[step.pick % Math.max(candidates.length, 1)];
      if (!r) continue;
      now++;
      r.answer = sessionLive(service, r.req, 'u1');
      const { arrivedAt } = r;
      checks.push(
        r.answer.then(
          (live) => {
            if (live && revokedAt !== null && revokedAt < arrivedAt) problems.push(`a request that arrived at ${arrivedAt}, after the revoke at ${revokedAt}, was let through`);
          },
          () => undefined, // failed closed: refused
        ),
      );
    } else {
      const pending = reads.filter((read) => !read.settled);
      const read = pending[step.pick % Math.max(pending.length, 1)];
      if (!read) continue;
      read.settled = true;
      if (step.kind === 'fail') read.fail();
      else read.resolve();
      // Let the check's continuation run, as the answer's arrival would.
      await Promise.resolve();
    }
  }
  // Whatever is still pending answers now (a retry after a failure included, until none is left).
  for (let settled = 0; settled < reads.length; settled += 1) {
    (reads[settled] as Read).resolve();
    await new Promise((resolve) => setImmediate(resolve));
  }
  await Promise.all(checks);
  return problems;
}

const step = fc.record({
  kind: fc.oneof({ arbitrary: fc.constantFrom<Step['kind']>('arrive', 'load', 'check', 'revoke', 'answer'), weight: 8 }, { arbitrary: fc.constant<Step['kind']>('fail'), weight: 1 }),
  pick: fc.nat(7),
});

describe('the revocation check started with the session load (property)', () => {
  it('never lets a request that arrived after a revocation through, however one session\'s requests interleave', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 40 }), async (steps) => {
        expect(await run(steps)).toEqual([]);
      }),
      { numRuns: 5000 },
    );
  });

  it('two tabs: the second tab, arriving after the revoke, is refused though the first tab\'s read is still in flight', async () => {
    const steps: Step[] = [
      { kind: 'arrive', pick: 0 },
      { kind: 'load', pick: 0 },
      { kind: 'revoke', pick: 0 },
      { kind: 'arrive', pick: 0 },
      { kind: 'check', pick: 0 },
      { kind: 'load', pick: 0 },
      { kind: 'check', pick: 0 },
    ];
    expect(await run(steps)).toEqual([]);
  });
});
