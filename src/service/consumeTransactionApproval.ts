import { hashTransaction, type TransactionDetails } from '../core/transaction/hashTransaction';
import type { ServiceContext } from './ServiceContext';

/**
 * Uses the approval a bound step-up granted for exactly these transaction details. Single use:
 * approving one transfer never approves a second, nor a different one.
 */
export async function consumeTransactionApproval(
  ctx: ServiceContext,
  input: { userId: string; bindingId: string; action: string; details: TransactionDetails },
): Promise<boolean> {
  const txHash = hashTransaction(ctx.config.secrets.pepper, input.action, input.details);
  return ctx.stores.approvals.consume(
    { userId: input.userId, bindingId: input.bindingId, action: input.action, txHash },
    ctx.config.clock.nowMs(),
  );
}
