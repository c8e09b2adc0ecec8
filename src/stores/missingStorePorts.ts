import type { StepGuardStores } from './types';

/** Every port a complete store set has, in the order the README lists them. */
export const STORE_PORTS = [
  'challenges', 'rateLimits', 'counters', 'breakers', 'deliveries', 'approvals', 'risk', 'trustedDevices',
  'firstFactor', 'coolOffs', 'sessions', 'recoveries', 'phones', 'factors', 'enrolment', 'audit', 'stats',
] as const satisfies readonly Exclude<keyof StepGuardStores, 'ping'>[];

/** Ports a custom set may leave out: stepguard fills each in (`stats`: a MemoryStatsStore, this node's counts only). */
export const OPTIONAL_STORE_PORTS = ['stats'] as const satisfies readonly (typeof STORE_PORTS)[number][];

/** The ports a store set given as `stores: { custom }` lacks (a port added in a release an older set predates). */
export function missingStorePorts(stores: Partial<Record<string, unknown>>): string[] {
  const optional: readonly string[] = OPTIONAL_STORE_PORTS;
  return STORE_PORTS.filter((port) => (typeof stores[port] !== 'object' || stores[port] === null) && !(optional.includes(port) && stores[port] === undefined));
}
