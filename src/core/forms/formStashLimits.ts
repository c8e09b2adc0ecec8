/** How long, and how much, a refused form is kept for its re-submission after the step-up. */
export const FORM_STASH_LIMITS = {
  /** The step-up has five minutes to happen; SMS codes live as long. */
  ttlSeconds: 300,
  /** Names and values together, in UTF-8 bytes: a session is no place for uploads or long texts. */
  maxFieldBytes: 8 * 1024,
  maxFields: 100,
} as const;
