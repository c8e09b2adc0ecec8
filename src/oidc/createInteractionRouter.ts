import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { AcrAliases } from '../core/oidc/acrLevels';
import type { OidcLoginAssessment } from '../core/oidc/assessOidcLogin';
import type { GuardInternals } from '../http/GuardInternals';
import { loginHref } from '../http/loginHref';
import { requestContext } from '../http/requestContext';
import { sendError } from '../http/respond';
import { safeReturnTo } from '../http/safeReturnTo';
import { assessOidcSession } from './assessOidcSession';
import { endInteractionRounds, takeInteractionRound } from './interactionRounds';
import type { OidcInteraction, OidcInteractionResult, OidcProviderInstance } from './oidcProviderTypes';

export type InteractionRouterOptions = {
  action: string;
  aliases: AcrAliases;
  interactionPath: string;
  /** Trips to the login or factor page one interaction may take before the client gets an error. */
  maxRounds: number;
};

/**
 * `GET <interactionPath>/:uid`, where oidc-provider sends the browser for its `login` prompt.
 * stepguard's session decides: satisfied, the interaction finishes with its `acr`, `amr` and
 * `auth_time`; signed out, the host's login page comes back here; short of the request, the
 * pending step-up (with the level asked for) comes back here through stepguard's factor page.
 * A level no enrolled factor can reach, a policy denial or too many trips end the interaction
 * with the error the spec names, so the client never loops. Other prompts (consent) go on to
 * the host's own routes.
 */
export function createInteractionRouter(internals: GuardInternals, provider: OidcProviderInstance, options: InteractionRouterOptions): Router {
  const { config, service, render } = internals;
  const router = express.Router();

  router.get(`${options.interactionPath}/:uid`, async function stepguardOidcInteraction(req: Request, res: Response, next: NextFunction) {
    res.set('Cache-Control', 'no-store');
    try {
      // The interaction is the one whose cookie this browser holds, never the one a link names.
      const interaction = await provider.interactionDetails(req, res).catch((err: unknown) => {
        if ((err as { name?: unknown }).name === 'SessionNotFound') return null;
        throw err;
      });
      if (!interaction || interaction.uid !== req.params.uid) return void (await sendError(req, res, render, 'oidc_interaction_expired'));
      if (interaction.prompt.name !== 'login') return next();
      await continueInteraction(req, res, interaction);
    } catch (err) {
      next(err);
    }
  });

  async function continueInteraction(req: Request, res: Response, interaction: OidcInteraction): Promise<void> {
    const here = `${options.interactionPath}/${encodeURIComponent(interaction.uid)}`;
    const clientId = typeof interaction.params.client_id === 'string' ? interaction.params.client_id.slice(0, 100) : '';
    const requestedAtMs = typeof interaction.iat === 'number' ? interaction.iat * 1000 : config.clock.nowMs();
    // prompt=login (and max_age=0, which oidc-provider turns into it): only an authentication
    // after the request counts, as max_age=0 would say; never the session's older factors.
    const params = forcesLogin(interaction) ? { ...interaction.params, max_age: 0 } : interaction.params;
    const answer = await assessOidcSession(internals, req, res, { action: options.action, aliases: options.aliases, params, requestedAtMs });
    const finish = async (result: OidcInteractionResult) => {
      // express-session stores the session when oidc-provider ends the response.
      endInteractionRounds(req, interaction.uid);
      await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
    };
    const signIn = async () => {
      if (!takeInteractionRound(req, interaction.uid, options.maxRounds)) return finish({ error: 'login_required', error_description: 'The user did not sign in.' });
      res.redirect(303, loginHref(config.pages.links.login, safeReturnTo(here, config.http.allowedReturnOrigins)));
    };

    if (answer.kind === 'signed_out') return signIn();
    const { userId } = answer;
    const audit = (type: string, outcome: 'success' | 'failure' | 'info', reasons: string[], factor?: string) =>
      service.audit({ type, outcome, userId, action: options.action, ...(factor ? { factor } : {}), reasons: [`client:${clientId}`, ...reasons], context: requestContext(req) });
    const subject = requestedSubject(interaction.params);
    if (subject !== undefined && subject !== userId) {
      // The client asked for another user (id_token_hint, claims sub value): never a silent switch to this one.
      await audit('oidc_login_denied', 'failure', ['requested_subject_mismatch']);
      return finish({ error: 'login_required', error_description: 'The signed-in user is not the one the client asked for.' });
    }
    if (answer.kind === 'deny') {
      await audit('oidc_login_denied', 'failure', answer.reasons);
      return finish({ error: 'access_denied', error_description: 'The sign-in was refused by policy.' });
    }
    const { assessment } = answer;
    if (assessment.ok) {
      await audit('oidc_login', 'success', [`acr:${assessment.acr.slice(0, 100)}`], assessment.amr.join(','));
      return finish({ login: { accountId: userId, acr: assessment.acr, amr: assessment.amr, ts: assessment.authTimeSeconds } });
    }
    if (assessment.reason === 'no_first_factor') return signIn();
    const unmet = async (why: string) => {
      await audit('oidc_unmet_authentication_requirements', 'failure', [assessment.reason, ...answer.reasons, why]);
      return finish({ error: 'unmet_authentication_requirements', error_description: describeUnmet(assessment) });
    };
    if (assessment.reason === 'acr_not_supported') return unmet('unknown_acr');
    const enrolled = await service.listEnrolledFactors(userId);
    const usable = assessment.acceptableFactors.filter((factor) => enrolled.includes(factor));
    if (usable.length === 0) {
      // Only a password sign-in is left to make a stale session fresh, and only when that is enough.
      if (assessment.reason === 'too_old' && assessment.targetLevel === 'aal1') return signIn();
      return unmet('no_enrolled_factor');
    }
    if (!takeInteractionRound(req, interaction.uid, options.maxRounds)) return unmet('too_many_rounds');
    internals.ensureState(req, userId).pending = {
      action: options.action,
      returnTo: here,
      ...(assessment.targetLevel !== 'aal1' ? { level: assessment.targetLevel } : {}),
    };
    await audit('step_up_required', 'info', [`oidc:${assessment.reason}`, ...answer.reasons.map((r) => `rule=${r}`)]);
    res.redirect(303, config.http.basePath);
  }

  return router;
}

function describeUnmet(assessment: Extract<OidcLoginAssessment, { ok: false }>): string {
  if (assessment.reason === 'acr_not_supported') return 'None of the requested authentication context classes is offered by this provider.';
  if (assessment.reason === 'too_old') return 'The user could not authenticate again within max_age.';
  return `The user has no factor that reaches ${assessment.targetLevel}.`;
}

/** Whether the request demands a new authentication: `prompt=login`, or `max_age=0` (oidc-provider adds `login` for it). */
function forcesLogin(interaction: OidcInteraction): boolean {
  const prompt = typeof interaction.params.prompt === 'string' ? interaction.params.prompt.split(' ') : [];
  return prompt.includes('login') || (interaction.prompt.reasons ?? []).includes('login_prompt');
}

/**
 * The user the client asked for, if it named one: the `sub` of its `id_token_hint` (oidc-provider
 * has verified the hint's signature before the interaction) or an `id_token.sub.value` claim
 * request. A hint we cannot read (encrypted) names someone we cannot confirm: an empty string,
 * which matches nobody. Pairwise subjects are not mapped back: they never match.
 */
function requestedSubject(params: Record<string, unknown>): string | undefined {
  let subject: string | undefined;
  if (typeof params.id_token_hint === 'string' && params.id_token_hint.length > 0) {
    subject = jwtSubject(params.id_token_hint) ?? '';
  }
  if (typeof params.claims === 'string') {
    try {
      const value = (JSON.parse(params.claims) as { id_token?: { sub?: { value?: unknown } } } | null)?.id_token?.sub?.value;
      if (value !== undefined) {
        const wanted = typeof value === 'string' ? value : '';
        // A hint and a claim naming two different users: nobody can satisfy both.
        subject = subject !== undefined && subject !== wanted ? '' : wanted;
      }
    } catch {
      // oidc-provider has already refused a claims parameter that is not JSON.
    }
  }
  return subject;
}

function jwtSubject(jwt: string): string | undefined {
  const parts = jwt.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const sub = (JSON.parse(Buffer.from(parts[1] as string, 'base64url').toString('utf8')) as { sub?: unknown } | null)?.sub;
    return typeof sub === 'string' ? sub : undefined;
  } catch {
    return undefined;
  }
}
