/**
 * The one map of error codes: code -> HTTP status -> the message a user or client developer
 * reads. Services return reasons; the HTTP layer looks them up here.
 */
export const ERRORS = {
  invalid_request: { status: 400, message: 'The request is not valid.' },
  invalid_phone: { status: 400, message: 'That is not a phone number we can use. Enter it with its country code, such as +1 415 555 0123.' },
  invalid_return_to: { status: 400, message: 'returnTo must be a path on this site, such as /account.' },
  oidc_interaction_expired: { status: 400, message: 'This sign-in request has expired or was started in another browser. Go back to the app and sign in again.' },
  invalid_credentials: { status: 401, message: 'Wrong username or password.' },
  unauthenticated: { status: 401, message: 'Sign in first.' },
  insufficient_user_authentication: {
    status: 401,
    message: 'This action needs a recent second factor. Verify one of the acceptable factors and try again.',
  },
  fresh_password_required: { status: 401, message: 'Sign in again with your password (within the last 5 minutes) to add a second factor.' },
  fresh_factor_required: {
    status: 401,
    message: 'Verify it is you with a second factor you already had (within the last 5 minutes) before changing how you sign in.',
  },
  webauthn_failed: { status: 401, message: 'The passkey could not be verified. Try again, or use another factor.' },
  invalid_code: { status: 401, message: 'That code is not right. Check it and try again.' },
  resync_needed: {
    status: 401,
    message: 'The clock of your authenticator app seems to be off. Wait for the app to show the next code, then enter that one too.',
  },
  csrf_failed: {
    status: 403,
    message: 'Missing or invalid CSRF token. Get one from GET /auth/csrf and send it in the x-csrf-token header.',
  },
  access_denied: { status: 403, message: 'This request is not allowed. Contact support if you think this is a mistake.' },
  enrolment_required: { status: 403, message: 'Your account needs another sign-in method before you can go on (see `required`). Add it at `factorsUrl`, then try again.' },
  recovery_pending: {
    status: 403,
    message: 'An account recovery is waiting on this account, so sensitive actions and changes to how you sign in are paused. If you did not ask for it, cancel it now.',
  },
  not_found: { status: 404, message: 'There is nothing here.' },
  no_challenge: { status: 409, message: 'There is no code to check. Request a code first.' },
  not_enrolled: { status: 409, message: 'That factor is not set up on this account.' },
  no_setup: { status: 409, message: 'Start the setup first.' },
  no_phone: { status: 409, message: 'No phone number is bound to this account yet.' },
  no_pending_transaction: {
    status: 409,
    message: 'There is no transaction waiting for approval. Submit the transaction first.',
  },
  phone_unavailable: { status: 409, message: 'This number cannot be added to your account. Use another number.' },
  last_factor: { status: 409, message: 'This is your only second factor. Add another one before removing it.' },
  nothing_to_recover: { status: 409, message: 'This account has no sign-in method to recover: add one now instead.' },
  no_recovery: { status: 409, message: 'There is no account recovery waiting on this account.' },
  recovery_not_ready: { status: 409, message: 'The account recovery is still waiting. Come back when the wait is over.' },
  sms_not_accepted: {
    status: 409,
    message: 'Your phone number changed recently, so a text message cannot approve this yet. Use another factor.',
  },
  channel_unavailable: { status: 409, message: 'A call or WhatsApp message can be asked for after a first text message, where we can reach your number that way.' },
  username_taken: { status: 409, message: 'That username is taken.' },
  expired: { status: 410, message: 'This code has expired or was already used. Request a new code.' },
  continue_expired: { status: 410, message: 'That request expired — please submit it again.' },
  payload_too_large: { status: 413, message: 'The request body is too large.' },
  unsupported_media_type: { status: 415, message: 'Send JSON (application/json) or a form (application/x-www-form-urlencoded).' },
  phone_not_allowed: { status: 422, message: 'This kind of number cannot receive sign-in codes under our policy. Use a mobile number.' },
  locked: {
    status: 423,
    message: 'Too many wrong codes. Second-factor verification is locked for this account for a while.',
  },
  too_many_attempts: {
    status: 429,
    message: 'Too many wrong codes for this request. Wait until it expires, then request a new code.',
  },
  resend_too_early: { status: 429, message: 'A code was sent moments ago. Wait a little before asking for another.' },
  rate_limited: { status: 429, message: 'Too many codes were requested for this number. Try again later.' },
  sms_blocked: {
    status: 429,
    message: 'We cannot send a code to this number right now. Try again later, or use another way to verify.',
  },
  recovery_rate_limited: {
    status: 429,
    message: 'Too many account recoveries were started on this account today. Try again later, or contact support.',
  },
  too_many_login_attempts: {
    status: 429,
    message: 'Too many sign-in attempts. Wait a little, then try again.',
  },
  unsigned_receipt: { status: 401, message: 'The receipt is not signed, not fresh, or not ours.' },
  internal: { status: 500, message: 'Something went wrong on our side.' },
  sms_unavailable: { status: 503, message: 'The text message could not be sent. Try again shortly.' },
  service_unavailable: { status: 503, message: 'A service we depend on is unavailable. Try again shortly.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

/** The JSON body of every error response: `{ error: { code, message, ...details } }`. */
export function errorBody(code: ErrorCode, details: Record<string, unknown> = {}, message?: string) {
  return { error: { code, message: message ?? ERRORS[code].message, ...details } };
}

/** Thrown at start-up when options are wrong; the message names the option and the fix. */
export class StepGuardConfigError extends Error {
  override readonly name = 'StepGuardConfigError';
}
