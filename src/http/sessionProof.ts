import type { Request, Response } from 'express';
import type { ActionRequirement } from '../core/assurance/types';
import type { SessionProof } from '../service/authorizeFactorChange';
import type { GuardInternals } from './GuardInternals';

/**
 * What this session proves for the binding rule: its factor times, the instances they were
 * verified with, and the risk policy's requirement for `factor_change` on this request.
 */
export async function sessionProof(internals: GuardInternals, req: Request, res: Response, userId: string): Promise<SessionProof> {
  const { config } = internals;
  const state = internals.ensureState(req, userId);
  const base = config.actions.factor_change as ActionRequirement;
  const decision = await internals.risk.decide(req, res, userId, 'factor_change');
  const requirement: ActionRequirement =
    decision.outcome === 'deny'
      ? { ...base, factors: [] }
      : decision.outcome === 'allow'
        ? base
        : { ...base, level: decision.level, factors: decision.acceptableFactors, maxAgeSeconds: decision.maxAgeSeconds };
  return { factors: state.factors, refs: state.refs ?? {}, requirement, session: { bindingId: state.bindingId, generation: state.generation ?? 0 } };
}
