import type { Request, Response } from 'express';
import { isSecretFieldName } from '../core/forms/isSecretFieldName';
import { openFormStash } from '../core/forms/openFormStash';
import { constantTimeEqual } from '../core/otp/constantTimeEqual';
import { readState } from './sessionState';
import type { RouteKit } from './routeKit';

/** A stash id as newRandomId makes them (128 bits, base64url). */
const CONTINUE_ID = /^[A-Za-z0-9_-]{22}$/;

/**
 * `GET /continue/:id`: after a step-up, the guarded form that was refused for it (see
 * stashGuardedForm) is shown once — what will be sent, secrets masked, and for an action bound
 * to a transaction the transaction to confirm — in a form that posts it back to its own path
 * with a fresh CSRF token of the host's. The page is the stash's single use: rendering it removes
 * the stash from the session, so a second visit, another session (another user, a copy of the
 * cookie from before a logout or the step-up) or a late one (5 minutes) gets `410 continue_expired`.
 *
 * HTML forms only post: a PUT, PATCH or DELETE was only kept when its method-override travels in
 * the query or the fields, and is re-sent as the same POST.
 */
export function mountContinueRoutes(kit: RouteKit): void {
  const { internals, router, route, fail } = kit;
  const { config, csrf, render } = internals;

  const gone = (req: Request, res: Response) => fail(req, res, 'continue_expired');

  router.get('/continue/:id', route(null, async (req, res, userId) => {
    // A HEAD (a link checker, a prefetch) learns nothing and uses nothing up.
    if (req.method === 'HEAD') return void res.status(204).end();
    const id = String(req.params.id);
    const state = readState(req, userId);
    const stash = state?.formStash;
    // A foreign or guessed id leaves the session's own stash alone (a link cannot use it up).
    if (!state || !stash || !CONTINUE_ID.test(id) || !constantTimeEqual(stash.id, id)) return void (await gone(req, res));
    // Single use: gone from the session whatever happens next.
    delete state.formStash;
    if (state.pending?.continueId === id) delete state.pending.continueId;
    const opened = openFormStash({ keyring: config.keyring, clock: config.clock, stash, userId, bindingId: state.bindingId });
    if (!opened.ok) return void (await gone(req, res));
    const { form } = opened;
    const csrfToken = await (config.forms.csrfToken ?? csrf.token)(req, res);
    if (typeof csrfToken !== 'string' || csrfToken.length === 0) {
      throw new TypeError('forms.csrfToken: must return a CSRF token (a non-empty string, or a promise of one)');
    }
    const transaction = form.transaction ? Object.entries(form.transaction).map(([name, value]) => ({ name, value: String(value) })) : null;
    // The page posts the form to its own path: nothing that could frame it may see or click it.
    res.set('X-Frame-Options', 'DENY');
    const page = await render('continue', {
      title: transaction ? 'Confirm' : 'Finish what you started',
      path: form.path,
      method: form.method,
      transaction,
      fields: form.fields,
      // The transaction is shown on its own; the other fields under it.
      shown: form.fields
        .filter(([name, value]) => !transaction?.some((t) => t.name === name && t.value === value))
        .map(([name, value]) => ({ name, value, secret: isSecretFieldName(name) })),
      csrfField: config.forms.csrfField,
      csrfToken,
      expiresAt: new Date(form.expiresAtMs).toISOString(),
      basePath: config.http.basePath,
    });
    res.status(200).type('html').send(page);
  }));
}
