// Words that name secrets in form fields: passwords, codes, tokens, card and account numbers.
const SECRET_WORDS = /password|passwd|passcode|passphrase|secret|token|csrf|xsrf|credential|api_?key|private_?key|card_?num(ber)?|(^|_)(pass|pwd|pw|otp|pin|cvv|cvc|cvv2|iban|ssn|tan|mfa|totp)(_|$)/;

/**
 * Whether a form field's name looks like it carries a secret, so a page lists the field but not
 * its value. Names are compared in snake case: `currentPassword`, `current-password` and
 * `CURRENT_PASSWORD` alike. A guess on purpose erring towards hiding: a hidden value is still sent.
 */
export function isSecretFieldName(name: string): boolean {
  const snake = name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .toLowerCase();
  return SECRET_WORDS.test(snake);
}
