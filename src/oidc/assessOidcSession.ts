import type { Request, Response } from 'express';
import { assessOidcLogin, type OidcLoginAssessment } from '../core/oidc/assessOidcLogin';
import type { AcrAliases } from '../core/oidc/acrLevels';
import { readAcrRequest, type AcrRequestParams } from '../core/oidc/readAcrRequest';
import type { ActionRequirement, AssuranceLevel } from '../core/assurance/types';
import type { GuardInternals } from '../http/GuardInternals';
import { readState } from '../http/sessionState';
import { sessionLive } from '../http/sessionLiveness';

export type OidcSessionAssessment =
  | { kind: 'signed_out' }
  | { kind: 'deny'; userId: string; reasons: string[] }
  | { kind: 'assessed'; userId: string; assessment: OidcLoginAssessment; reasons: string[] };

/**
 * stepguard's answer to an authorization request, from its own session only: who is signed in
 * (a revoked session is nobody), what the risk policy says for `action`, and whether the verified
 * factors satisfy `acr_values` / `max_age` / an essential `acr` claim. The interaction policy
 * check and the interaction route both ask this, so they cannot disagree.
 */
export async function assessOidcSession(
  internals: GuardInternals,
  req: Request,
  res: Response,
  options: { action: string; aliases: AcrAliases; params: AcrRequestParams; requestedAtMs: number },
): Promise<OidcSessionAssessment> {
  const { config, service, risk } = internals;
  const userId = config.getUserId(req);
  if (!userId || !req.session) return { kind: 'signed_out' };
  if (!(await sessionLive(service, req, userId))) return { kind: 'signed_out' };
  const state = readState(req, userId);
  if (!state || state.factors.pwd === undefined) return { kind: 'signed_out' };
  const decision = await risk.decide(req, res, userId, options.action);
  const reasons = decision.reasons.map((r) => r.rule);
  if (decision.outcome === 'deny') return { kind: 'deny', userId, reasons };
  const base = config.actions[options.action] as ActionRequirement;
  // High-risk actions count only factors still enrolled and not added during a cool-off.
  const factors = base.highRisk ? await service.highRiskFactorTimes({ userId, factors: state.factors, refs: state.refs ?? {} }) : state.factors;
  // Only a rule that fired raises the bar; the action's own level is for its routes, not for what a client asks.
  const minimumLevel: AssuranceLevel = decision.outcome === 'step-up' && decision.reasons.length > 0 ? decision.level : 'aal1';
  const assessment = assessOidcLogin(
    readAcrRequest(options.params, options.aliases),
    factors,
    { acceptableFactors: decision.acceptableFactors, maxAgeSeconds: decision.maxAgeSeconds, minimumLevel },
    { nowMs: config.clock.nowMs(), requestedAtMs: options.requestedAtMs },
  );
  return { kind: 'assessed', userId, assessment, reasons };
}
