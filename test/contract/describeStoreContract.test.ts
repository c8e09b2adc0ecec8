import { describeStoreContract, STORE_CONTRACT_CASES, STORE_CONTRACT_PORTS } from '../../src/stores/contract';
import type { StoreContractFixture, StoreContractOptions, StoreContractRunner } from '../../src/stores/contract';
import { createMemoryStores } from '../../src/stores/memory/createMemoryStores';
import { MemoryAuditStore } from '../../src/stores/memory/MemoryAuditStore';
import { MemoryChallengeStore } from '../../src/stores/memory/MemoryChallengeStore';
import { MemoryPhoneBindingStore } from '../../src/stores/memory/MemoryPhoneBindingStore';
import type { ApprovalKey, ApprovalStore, BindPhoneInput, BindPhoneResult } from '../../src/stores/types';

/** How many cases the contract has for a port (counted, so that adding a case needs no edit here). */
const casesOf = (port: string) => STORE_CONTRACT_CASES.filter((c) => c.port === port).length;

/**
 * The exported contract must be able to fail: it is run, through a runner that only records,
 * against adapters broken on purpose, and exactly the behaviours they break must fail.
 */

type Outcome = { passed: string[]; failed: Map<string, unknown>; skipped: string[] };

/** A `{ describe, it }` that records each test under its full name, for runAll to run. */
function recordingRunner(): { runner: StoreContractRunner; run: () => Promise<Outcome> } {
  const tests: { name: string; fn: () => Promise<void>; skipped: boolean }[] = [];
  const path: string[] = [];
  const describe = (name: string, fn: () => void) => {
    path.push(name);
    try {
      fn();
    } finally {
      path.pop();
    }
  };
  const register = (skipped: boolean) => (name: string, fn: () => Promise<void>) => {
    tests.push({ name: [...path, name].join(' › '), fn, skipped });
  };
  const run = async () => {
    const outcome: Outcome = { passed: [], failed: new Map(), skipped: [] };
    for (const test of tests) {
      if (test.skipped) {
        outcome.skipped.push(test.name);
        continue;
      }
      try {
        await test.fn();
        outcome.passed.push(test.name);
      } catch (error) {
        outcome.failed.set(test.name, error);
      }
    }
    return outcome;
  };
  return { runner: { describe, it: Object.assign(register(false), { skip: register(true) }) }, run };
}

async function runContract(makeStores: () => StoreContractFixture, options?: StoreContractOptions): Promise<Outcome> {
  const { runner, run } = recordingRunner();
  describeStoreContract('under test', makeStores, runner, options);
  return run();
}

/** Consumes the challenge, but says "yes" to every caller: a code could be used twice. */
class ReplayableChallengeStore extends MemoryChallengeStore {
  override async consume(userId: string, challengeId: string): Promise<boolean> {
    await super.consume(userId, challengeId);
    return true;
  }
}

/** Binds any number to any number of accounts. */
class UnlimitedPhoneBindingStore extends MemoryPhoneBindingStore {
  override bind(input: BindPhoneInput): Promise<BindPhoneResult> {
    return super.bind({ ...input, maxAccountsPerNumber: Number.MAX_SAFE_INTEGER });
  }
}

/** Correct one call at a time, but reads and deletes in two steps: concurrent consumers all win. */
function checkThenActApprovalStore(): ApprovalStore {
  const approvals = new Map<string, number>();
  const keyOf = (k: ApprovalKey) => JSON.stringify([k.userId, k.bindingId, k.action, k.txHash]);
  return {
    async grant(key, expiresAtMs) {
      approvals.set(keyOf(key), expiresAtMs);
    },
    async consume(key, nowMs) {
      const expiresAtMs = approvals.get(keyOf(key));
      await new Promise((resolve) => setImmediate(resolve));
      if (expiresAtMs === undefined || expiresAtMs <= nowMs) return false;
      approvals.delete(keyOf(key));
      return true;
    },
  };
}

/** An audit store, as an object literal, that can also erase what it holds. */
function erasableAuditStore() {
  const inner = new MemoryAuditStore();
  return {
    head: inner.head.bind(inner),
    insert: inner.insert.bind(inner),
    list: inner.list.bind(inner),
    clearUser: async (_userId: string) => undefined,
  };
}

const caseName = (fullName: string) => fullName.split(' › ').at(-1);

describe('describeStoreContract', () => {
  it('passes on the memory adapters, every port checked', async () => {
    const outcome = await runContract(() => ({ stores: createMemoryStores() }));
    expect([...outcome.failed.keys()]).toEqual([]);
    expect(outcome.skipped).toEqual([]);
    expect(outcome.passed).toHaveLength(STORE_CONTRACT_CASES.length);
    expect(outcome.passed).toContain('store contract: under test › challenges › consumes exactly once under 50 concurrent calls, clearing the failure count');
  });

  it('fails exactly the behaviours a broken adapter breaks, and names them', async () => {
    const outcome = await runContract(() => ({
      stores: {
        ...createMemoryStores(),
        challenges: new ReplayableChallengeStore(),
        phones: new UnlimitedPhoneBindingStore(),
        approvals: checkThenActApprovalStore(),
        audit: erasableAuditStore(),
      },
    }));
    expect([...outcome.failed.keys()].map(caseName).sort()).toEqual([
      'allows maxAccountsPerNumber accounts when it is more than one',
      'consumes exactly once under 50 concurrent calls, clearing the failure count',
      'grants an approval usable once, only before it expires',
      'holds the reuse limit under 10 concurrent binds of one number',
      'keeps the old number when the new one is taken',
      'offers no way to change or delete an audit event',
      // Its consume answers true every time, and verifyAttempt consumes through it.
      'verifyAttempt (optional) reserves, compares and consumes in one step: of concurrent correct codes exactly one wins',
    ]);
    const consumeFailure = outcome.failed.get('store contract: under test › challenges › consumes exactly once under 50 concurrent calls, clearing the failure count');
    expect(consumeFailure).toMatchObject({ name: 'AssertionError', actual: 50, expected: 1 });
    expect(String((consumeFailure as Error).message)).toContain('concurrent consume calls that returned true');
    expect(outcome.passed).toHaveLength(STORE_CONTRACT_CASES.length - 7);
  });

  it('checks only the ports named, and reports the others as not checked', async () => {
    const outcome = await runContract(() => ({ stores: { phones: new MemoryPhoneBindingStore() } }), { ports: ['phones'] });
    expect(outcome.passed.map(caseName)).toHaveLength(casesOf('phones'));
    expect(outcome.passed.every((name) => name.startsWith('store contract: under test › phones › '))).toBe(true);
    expect(outcome.skipped).toEqual([`store contract: under test › not given, so not checked: ${STORE_CONTRACT_PORTS.filter((p) => p !== 'phones').join(', ')}`]);
  });

  it('fails, naming the fix, when a port it was told to check is missing', async () => {
    const outcome = await runContract(() => ({ stores: { phones: new MemoryPhoneBindingStore() } }), { ports: ['phones', 'factors'] });
    expect(outcome.passed).toHaveLength(casesOf('phones'));
    expect(outcome.failed.size).toBe(4); // every factors case
    for (const error of outcome.failed.values()) {
      expect((error as Error).message).toBe('stores.factors is missing: give it, or leave "factors" out of options.ports');
    }
  });

  it('closes the stores after every test, pass or fail; a failing close fails the test, but never hides its own failure', async () => {
    let closed = 0;
    const outcome = await runContract(
      () => ({
        stores: { approvals: checkThenActApprovalStore(), phones: new MemoryPhoneBindingStore() },
        close: () => {
          closed += 1;
          throw new Error('close failed');
        },
      }),
      { ports: ['approvals', 'phones'] },
    );
    expect(closed).toBe(casesOf('phones') + casesOf('approvals'));
    expect(outcome.passed).toEqual([]);
    const messages = [...outcome.failed].map(([name, error]) => `${name.split(' › ')[1]}: ${(error as Error).name} ${(error as Error).message === 'close failed' ? 'close' : 'own'}`);
    expect(messages).toEqual(['approvals: AssertionError own', ...Array.from({ length: casesOf('phones') }, () => 'phones: Error close')]);
  });

  it('refuses a port the contract does not know', () => {
    const { runner } = recordingRunner();
    expect(() => describeStoreContract('typo', () => ({ stores: {} }), runner, { ports: ['phone' as 'phones'] })).toThrow(
      /options\.ports names "phone", which the contract does not check; expected some of challenges, /,
    );
  });
});
