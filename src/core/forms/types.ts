import type { TransactionDetails } from '../transaction/hashTransaction';

/** One form field as the browser sent it: name and value, in order (a repeated name repeats). */
export type FormField = readonly [name: string, value: string];

/** The methods a guarded form can be re-submitted for (HTML forms post; see stashGuardedForm). */
export type StashedMethod = 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** What is bound to a stash and checked again when it is opened. */
export type FormStashBinding = {
  /** The stash's random id, the `<id>` in `<basePath>/continue/<id>`. */
  id: string;
  userId: string;
  /** The session's binding id (sessionState.ts): another session, or a new login, has another. */
  bindingId: string;
  action: string;
  /** The keyed transaction digest (hashTransaction) when the action binds transactions. */
  txDigest?: string;
};

/** A refused form, as it will be shown and re-submitted. */
export type StashedForm = FormStashBinding & {
  method: StashedMethod;
  /** A same-origin path with its query (`/settings?tab=profile`), checked by safeReturnTo. */
  path: string;
  /** The form's fields, the CSRF field left out. */
  fields: readonly FormField[];
  /** The transaction the step-up approves, for the confirmation page. */
  transaction?: TransactionDetails;
  createdAtMs: number;
  expiresAtMs: number;
};

/** What the session keeps: the binding in the clear (it is the AAD), the form sealed. */
export type SealedFormStash = { id: string; action: string; txDigest?: string; sealed: string };
