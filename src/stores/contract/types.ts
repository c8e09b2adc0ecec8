import type { StepGuardStores } from '../types';

/** The ports the contract checks (every port of {@link StepGuardStores} but `risk` and `ping`). */
export type StoreContractPort =
  | 'challenges'
  | 'rateLimits'
  | 'counters'
  | 'breakers'
  | 'deliveries'
  | 'approvals'
  | 'trustedDevices'
  | 'firstFactor'
  | 'coolOffs'
  | 'sessions'
  | 'recoveries'
  | 'phones'
  | 'factors'
  | 'enrolment'
  | 'audit'
  | 'stats';

/** The stores a contract case runs on; a case only touches its own `port`. */
export type ContractStores = Pick<StepGuardStores, StoreContractPort>;

/** One behaviour every adapter of `port` must have. */
export type StoreContractCase = {
  port: StoreContractPort;
  name: string;
  /** Throws (an `AssertionError` from node:assert) when the adapter gets it wrong. */
  run(stores: ContractStores): Promise<void> | void;
};

/**
 * Fresh stores for one test: empty, or at least sharing nothing with any other test's (a new
 * key prefix, a new database). Time needs no control: every port takes `nowMs` from its caller.
 */
export type StoreContractFixture = {
  /** The adapters under test; only the ports named in `options.ports` are used. */
  stores: Partial<StepGuardStores>;
  /** Called after each test, pass or fail: close connections, drop the test database. */
  close?: () => Promise<void> | void;
};

type RegisterTest = (name: string, fn: () => Promise<void>) => unknown;

/**
 * The test runner's functions, passed in so that stepguard imports none: jest, vitest, mocha and
 * node:test all provide `describe` and `it` of this shape. `it.skip`, when there, reports the
 * ports that were not checked.
 */
export type StoreContractRunner = {
  describe: (name: string, fn: () => void) => unknown;
  it: RegisterTest & { skip?: RegisterTest };
};

export type StoreContractOptions = {
  /**
   * The ports your stores implement; the others are reported as not checked. A port named here
   * but missing from `stores` fails its tests (so a typo cannot pass unchecked).
   * @default every StoreContractPort
   */
  ports?: readonly StoreContractPort[];
};
