import type { Request } from 'express';
import { formFieldsOf } from '../core/forms/formFieldsOf';
import { sealFormStash } from '../core/forms/sealFormStash';
import type { FormField, StashedMethod } from '../core/forms/types';
import { hashTransaction, type TransactionDetails } from '../core/transaction/hashTransaction';
import type { GuardInternals } from './GuardInternals';
import { safeReturnTo } from './safeReturnTo';
import type { StepGuardSessionState } from './sessionState';

const STASHED_METHODS: readonly string[] = ['POST', 'PUT', 'PATCH', 'DELETE'];
/** method-override's conventional field (and query parameter) name. */
const OVERRIDE_FIELD = '_method';

export type StashOutcome =
  | { stashed: true; continueId: string }
  | { stashed: false; reason: 'not_a_form' | 'not_same_origin' | 'method' | 'path' | 'too_large' | 'too_many_fields' };

/**
 * Keeps a browser's refused form in the session (sealed: see sealFormStash) so that, after the
 * step-up, `<basePath>/continue/<id>` can show it and re-submit it. Only what a browser's own
 * page posted is kept, and only what can be re-submitted exactly as it was sent:
 *
 * - a urlencoded form, posted (HTML forms only POST): a PUT, PATCH or DELETE routed from a POST by
 *   method-override is kept only when the override travels with the form (`_method` in the query
 *   or the fields), so the re-submission is routed the same way; one set by a header is not;
 * - same-origin: `Sec-Fetch-Site: same-origin`, or without that header an `Origin` that is the
 *   app's or this request's own. A cross-site post, or one that says nothing, is not kept, so a
 *   forged post on a route without CSRF protection can never come back with a fresh token;
 * - to a same-origin path (safeReturnTo, no other origin allowed);
 * - at most 100 fields and 8 KiB of names and values, the CSRF field left out.
 *
 * A new stash replaces the session's previous one; a refusal that is not kept removes it.
 */
export function stashGuardedForm(
  internals: GuardInternals,
  req: Request,
  state: StepGuardSessionState,
  action: string,
  transaction: TransactionDetails | undefined,
): StashOutcome {
  const { config } = internals;
  delete state.formStash;
  if (!req.is('application/x-www-form-urlencoded')) return { stashed: false, reason: 'not_a_form' };
  if (!sameOrigin(req, config.appOrigin)) return { stashed: false, reason: 'not_same_origin' };
  const wireMethod = (req as Request & { originalMethod?: string }).originalMethod ?? req.method;
  if (wireMethod !== 'POST' || !STASHED_METHODS.includes(req.method)) return { stashed: false, reason: 'method' };
  const path = safeReturnTo(req.originalUrl);
  if (!path || !path.startsWith('/')) return { stashed: false, reason: 'path' };
  const parsed = formFieldsOf(req.body, { csrfField: config.forms.csrfField });
  if (!parsed.ok) return { stashed: false, reason: parsed.reason };
  if (req.method !== 'POST' && !overrideTravels(req.method, path, parsed.fields)) return { stashed: false, reason: 'method' };
  const { stash } = sealFormStash({
    keyring: config.keyring,
    random: config.random,
    clock: config.clock,
    form: {
      userId: state.userId,
      bindingId: state.bindingId,
      action,
      ...(transaction ? { transaction, txDigest: hashTransaction(config.secrets.pepper, action, transaction) } : {}),
      method: req.method as StashedMethod,
      path,
      fields: parsed.fields,
    },
  });
  state.formStash = stash;
  return { stashed: true, continueId: stash.id };
}

/** Whether the browser's own page sent it: fetch metadata first, then Origin; silence is not enough. */
function sameOrigin(req: Request, appOrigin: string): boolean {
  const site = req.get('sec-fetch-site');
  if (site !== undefined) return site === 'same-origin';
  const origin = req.get('origin');
  if (!origin || origin === 'null') return false;
  const host = req.get('host');
  return origin === appOrigin || (host !== undefined && origin === `${req.protocol}://${host}`);
}

/** Whether the method override is part of what gets re-submitted (query or fields), naming this method. */
function overrideTravels(method: string, path: string, fields: readonly FormField[]): boolean {
  const query = new URLSearchParams(path.includes('?') ? path.slice(path.indexOf('?') + 1).split('#')[0] : '');
  const named = [...query.getAll(OVERRIDE_FIELD), ...fields.filter(([name]) => name === OVERRIDE_FIELD).map(([, value]) => value)];
  return named.length > 0 && named.every((value) => value.toUpperCase() === method);
}
