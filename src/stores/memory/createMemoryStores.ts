import { MemoryBreakerStore } from './MemoryBreakerStore';
import type { StepGuardStores } from '../types';
import { MemoryApprovalStore } from './MemoryApprovalStore';
import { MemoryAuditStore } from './MemoryAuditStore';
import { MemoryChallengeStore } from './MemoryChallengeStore';
import { MemoryFactorStore } from './MemoryFactorStore';
import { MemoryPhoneBindingStore } from './MemoryPhoneBindingStore';
import { MemoryRateLimitStore } from './MemoryRateLimitStore';
import { MemoryCounterStore } from './MemoryCounterStore';
import { MemoryDeliveryStore } from './MemoryDeliveryStore';
import { MemoryRiskStore } from './MemoryRiskStore';
import { MemoryTrustedDeviceStore } from './MemoryTrustedDeviceStore';
import { MemoryFirstFactorThrottleStore } from './MemoryFirstFactorThrottleStore';
import { MemoryCoolOffStore } from './MemoryCoolOffStore';
import { MemorySessionRevocationStore } from './MemorySessionRevocationStore';
import { MemoryEnrolmentStore } from './MemoryEnrolmentStore';
import { MemoryRecoveryStore } from './MemoryRecoveryStore';
import { MemoryStatsStore } from './MemoryStatsStore';
import type { StatsRetention } from '../statsRetention';

/** The embedded stores: one process, nothing kept across restarts. For development and tests. */
export function createMemoryStores(options: { stats?: StatsRetention } = {}): StepGuardStores {
  return {
    challenges: new MemoryChallengeStore(),
    rateLimits: new MemoryRateLimitStore(),
    breakers: new MemoryBreakerStore(),
    counters: new MemoryCounterStore(),
    deliveries: new MemoryDeliveryStore(),
    approvals: new MemoryApprovalStore(),
    risk: new MemoryRiskStore(),
    trustedDevices: new MemoryTrustedDeviceStore(),
    firstFactor: new MemoryFirstFactorThrottleStore(),
    coolOffs: new MemoryCoolOffStore(),
    sessions: new MemorySessionRevocationStore(),
    recoveries: new MemoryRecoveryStore(),
    stats: new MemoryStatsStore(options.stats),
    ...createMemoryDurableStores(),
    ping: async () => undefined,
  };
}

/** What MongoDB keeps in production, in memory. */
export function createMemoryDurableStores(): Pick<StepGuardStores, 'phones' | 'factors' | 'enrolment' | 'audit'> {
  return { phones: new MemoryPhoneBindingStore(), factors: new MemoryFactorStore(), enrolment: new MemoryEnrolmentStore(), audit: new MemoryAuditStore() };
}
