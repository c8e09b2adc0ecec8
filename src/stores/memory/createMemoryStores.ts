import type { StepGuardStores } from '../types';
import { MemoryApprovalStore } from './MemoryApprovalStore';
import { MemoryChallengeStore } from './MemoryChallengeStore';
import { MemoryPhoneBindingStore } from './MemoryPhoneBindingStore';
import { MemoryRateLimitStore } from './MemoryRateLimitStore';

/** The embedded stores: one process, nothing kept across restarts. For development and tests. */
export function createMemoryStores(): StepGuardStores {
  return {
    challenges: new MemoryChallengeStore(),
    rateLimits: new MemoryRateLimitStore(),
    approvals: new MemoryApprovalStore(),
    phones: new MemoryPhoneBindingStore(),
    ping: async () => undefined,
  };
}
