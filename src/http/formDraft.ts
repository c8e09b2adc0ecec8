import type { Request, Response } from 'express';
import type { StepGuardConfig } from '../config';
import { openSecret, sealSecret } from '../core/crypto/secretBox';
import { readCookie } from './readCookie';

const COOKIE = 'sg.draft';
const PURPOSE = 'stepguard-form-draft';
const TTL_MS = 15 * 60_000;
/** What a refused form may keep: what the user typed that is not a secret. Never a code or password. */
const KEPT_FIELDS = ['phone'] as const;
export type FormDraft = Partial<Record<(typeof KEPT_FIELDS)[number], string>>;

type DraftConfig = Pick<StepGuardConfig, 'keyring' | 'random' | 'clock' | 'http'>;

/**
 * Keeps what the user typed into a form that was refused for a sign-in (the phone number), so
 * the page refills it after they sign in again. It lives in a cookie, not the session, because
 * signing in usually regenerates the session and drops its data; the cookie is encrypted
 * (AES-GCM with the config keyring: no number in clear on the client or in a log), httpOnly,
 * scoped to stepguard's path, and lasts 15 minutes.
 */
export function keepFormDraft(config: DraftConfig, req: Request, res: Response, userId: string): void {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const draft: FormDraft = {};
  for (const field of KEPT_FIELDS) {
    const value = body[field];
    if (typeof value === 'string' && value.length > 0 && value.length <= 64) draft[field] = value;
  }
  if (Object.keys(draft).length === 0) return;
  const sealed = sealSecret(config.keyring, config.random, JSON.stringify({ purpose: PURPOSE, userId, atMs: config.clock.nowMs(), draft }));
  res.cookie(COOKIE, sealed, { httpOnly: true, sameSite: 'lax', secure: config.http.secureCookies, path: config.http.basePath, maxAge: TTL_MS });
}

/** The kept draft, once: the cookie is cleared on reading. Anything altered, another user's, or stale reads as none. */
export function takeFormDraft(config: DraftConfig, req: Request, res: Response, userId: string): FormDraft {
  const sealed = readCookie(req, COOKIE);
  if (!sealed) return {};
  res.clearCookie(COOKIE, { path: config.http.basePath, httpOnly: true, sameSite: 'lax', secure: config.http.secureCookies });
  try {
    const parsed = JSON.parse(openSecret(config.keyring, sealed).plaintext) as { purpose?: unknown; userId?: unknown; atMs?: unknown; draft?: unknown };
    if (parsed.purpose !== PURPOSE || parsed.userId !== userId || typeof parsed.atMs !== 'number') return {};
    const ageMs = config.clock.nowMs() - parsed.atMs;
    if (ageMs < 0 || ageMs > TTL_MS) return {};
    const given = (parsed.draft ?? {}) as Record<string, unknown>;
    const draft: FormDraft = {};
    for (const field of KEPT_FIELDS) if (typeof given[field] === 'string') draft[field] = given[field] as string;
    return draft;
  } catch {
    return {};
  }
}
