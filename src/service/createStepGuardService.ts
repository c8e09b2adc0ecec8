import { maskPhone } from '../core/phone/maskPhone';
import type { TransactionDetails } from '../core/transaction/hashTransaction';
import { consumeTransactionApproval } from './consumeTransactionApproval';
import { sendSmsChallenge, type SendSmsChallengeInput, type SendSmsChallengeResult } from './sendSmsChallenge';
import type { ServiceContext } from './ServiceContext';
import { verifySmsChallenge, type VerifySmsChallengeInput, type VerifySmsChallengeResult } from './verifySmsChallenge';

/** The service object: ports wired to core. Routes and strategies call this, never a store. */
export type StepGuardService = {
  sendSmsChallenge(input: SendSmsChallengeInput): Promise<SendSmsChallengeResult>;
  verifySmsChallenge(input: VerifySmsChallengeInput): Promise<VerifySmsChallengeResult>;
  consumeTransactionApproval(input: { userId: string; bindingId: string; action: string; details: TransactionDetails }): Promise<boolean>;
  /** The user's bound number, masked; `null` when none is bound. */
  maskedPhoneOf(userId: string): Promise<string | null>;
  /** Binds a number directly (seeding, admin tools). The user-facing flow proves receipt first. */
  bindPhoneUnchecked(userId: string, e164: string): Promise<void>;
  /** Throws StoreUnavailableError when a store cannot answer. */
  checkHealth(): Promise<void>;
};

export function createStepGuardService(ctx: ServiceContext): StepGuardService {
  return {
    sendSmsChallenge: (input) => sendSmsChallenge(ctx, input),
    verifySmsChallenge: (input) => verifySmsChallenge(ctx, input),
    consumeTransactionApproval: (input) => consumeTransactionApproval(ctx, input),
    maskedPhoneOf: async (userId) => {
      const phone = await ctx.stores.phones.getPhone(userId);
      return phone ? maskPhone(phone) : null;
    },
    bindPhoneUnchecked: (userId, e164) => ctx.stores.phones.setPhone(userId, e164, ctx.config.clock.nowMs()),
    checkHealth: () => ctx.stores.ping(),
  };
}
