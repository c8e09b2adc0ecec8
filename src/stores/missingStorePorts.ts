import type { StepGuardStores } from './types';

/** Every port a complete store set has, in the order the README lists them. */
export const STORE_PORTS = [
  'challenges', 'rateLimits', 'counters', 'breakers', 'deliveries', 'approvals', 'risk', 'trustedDevices',
  'firstFactor', 'coolOffs', 'sessions', 'recoveries', 'phones', 'factors', 'enrolment', 'audit',
] as const satisfies readonly Exclude<keyof StepGuardStores, 'ping'>[];

/** The ports a store set given as `stores: { custom }` lacks (a port added in a release an older set predates). */
export function missingStorePorts(stores: Partial<Record<string, unknown>>): string[] {
  return STORE_PORTS.filter((port) => typeof stores[port] !== 'object' || stores[port] === null);
}
