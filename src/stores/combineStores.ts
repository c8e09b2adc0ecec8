import type { StepGuardStores } from './types';
import type { StatsStore } from './StatsStore';
import { MemoryStatsStore } from './memory/MemoryStatsStore';

/** What Redis (or memory) keeps: everything that expires; without `stats`, a memory StatsStore counts this node. */
export type EphemeralStores = Pick<
  StepGuardStores,
  'challenges' | 'rateLimits' | 'counters' | 'breakers' | 'deliveries' | 'approvals' | 'risk' | 'trustedDevices' | 'firstFactor' | 'coolOffs' | 'sessions' | 'recoveries' | 'ping'
> & { stats?: StatsStore };
/** What MongoDB (or memory) keeps: what must last. */
export type DurableStores = Pick<StepGuardStores, 'phones' | 'factors' | 'enrolment' | 'audit'>;

/** One set of ports from an ephemeral and a durable half; `ping` checks both. */
export function combineStores(ephemeral: EphemeralStores, durable: DurableStores & { ping?: () => Promise<void> }): StepGuardStores {
  return {
    challenges: ephemeral.challenges,
    rateLimits: ephemeral.rateLimits,
    counters: ephemeral.counters,
    breakers: ephemeral.breakers,
    deliveries: ephemeral.deliveries,
    approvals: ephemeral.approvals,
    risk: ephemeral.risk,
    trustedDevices: ephemeral.trustedDevices,
    firstFactor: ephemeral.firstFactor,
    coolOffs: ephemeral.coolOffs,
    sessions: ephemeral.sessions,
    recoveries: ephemeral.recoveries,
    phones: durable.phones,
    factors: durable.factors,
    enrolment: durable.enrolment,
    audit: durable.audit,
    stats: ephemeral.stats ?? new MemoryStatsStore(),
    ping: async () => {
      await ephemeral.ping();
      await durable.ping?.();
    },
  };
}
