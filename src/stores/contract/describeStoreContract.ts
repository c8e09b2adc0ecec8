import { accountSecurityStoreContract } from './accountSecurityStoreContract';
import { challengeStoreContract } from './challengeStoreContract';
import { durableStoreContract } from './durableStoreContract';
import { enrolmentStoreContract } from './enrolmentStoreContract';
import { firstFactorThrottleStoreContract } from './firstFactorThrottleStoreContract';
import { recoveryStoreContract } from './recoveryStoreContract';
import { statsStoreContract } from './statsStoreContract';
import type { StoreContractCase, StoreContractFixture, StoreContractOptions, StoreContractPort, StoreContractRunner } from './types';

/** Every case of the contract, in the order they are described. */
export const STORE_CONTRACT_CASES: readonly StoreContractCase[] = [
  ...challengeStoreContract,
  ...firstFactorThrottleStoreContract,
  ...accountSecurityStoreContract,
  ...recoveryStoreContract,
  ...durableStoreContract,
  ...enrolmentStoreContract,
  ...statsStoreContract,
];

/** Every port the contract checks, in the order they are described. */
export const STORE_CONTRACT_PORTS: readonly StoreContractPort[] = [...new Set(STORE_CONTRACT_CASES.map((c) => c.port))];

/**
 * Describes the store contract for your adapters with your test runner: one `describe` per
 * port, one `it` per behaviour, each on fresh stores from `makeStores` (closed after the test,
 * pass or fail). Ports left out of `options.ports` are reported in one skipped test.
 *
 * @example
 * describeStoreContract('postgres', async () => {
 *   const pool = await createTestDatabase();
 *   return { stores: { phones: new PgPhoneBindingStore(pool) }, close: () => pool.end() };
 * }, { describe, it }, { ports: ['phones'] });
 */
export function describeStoreContract(
  name: string,
  makeStores: () => StoreContractFixture | Promise<StoreContractFixture>,
  runner: StoreContractRunner,
  options: StoreContractOptions = {},
): void {
  const ports = options.ports ?? STORE_CONTRACT_PORTS;
  for (const port of ports) {
    if (!STORE_CONTRACT_PORTS.includes(port)) {
      throw new TypeError(`describeStoreContract: options.ports names "${String(port)}", which the contract does not check; expected some of ${STORE_CONTRACT_PORTS.join(', ')}`);
    }
  }
  const { describe, it } = runner;
  describe(`store contract: ${name}`, () => {
    for (const port of STORE_CONTRACT_PORTS) {
      if (!ports.includes(port)) continue;
      describe(port, () => {
        for (const contractCase of STORE_CONTRACT_CASES) {
          if (contractCase.port === port) it(contractCase.name, () => runCase(contractCase, makeStores));
        }
      });
    }
    const notGiven = STORE_CONTRACT_PORTS.filter((port) => !ports.includes(port));
    if (notGiven.length > 0 && it.skip) it.skip(`not given, so not checked: ${notGiven.join(', ')}`, async () => undefined);
  });
}

/** One case on fresh stores; they are closed whatever the outcome, and a case's failure wins over close's. */
async function runCase(contractCase: StoreContractCase, makeStores: () => StoreContractFixture | Promise<StoreContractFixture>): Promise<void> {
  const { stores, close } = await makeStores();
  let failed = false;
  let failure: unknown;
  try {
    if (!stores[contractCase.port]) {
      throw new TypeError(`stores.${contractCase.port} is missing: give it, or leave "${contractCase.port}" out of options.ports`);
    }
    // The case touches only its own port, which is there.
    await contractCase.run(stores as Required<typeof stores>);
  } catch (error) {
    [failed, failure] = [true, error];
  }
  try {
    await close?.();
  } catch (error) {
    if (!failed) [failed, failure] = [true, error];
  }
  if (failed) throw failure;
}
