/**
 * The store contract: the behaviour every adapter of a stepguard port must have, runnable with
 * any test runner against your own adapters (see describeStoreContract).
 */
export { describeStoreContract, STORE_CONTRACT_CASES, STORE_CONTRACT_PORTS } from './describeStoreContract';
export type { ContractStores, StoreContractCase, StoreContractFixture, StoreContractOptions, StoreContractPort, StoreContractRunner } from './types';
