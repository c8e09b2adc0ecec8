import type {} from 'express-session';
import type { Request } from 'express';

declare module 'express-session' {
  interface SessionData {
    /** The one OpenID Connect interaction this browser was last sent away from (to sign in or step up), and how often. */
    stepguardOidc?: { uid: string; rounds: number };
  }
}

/**
 * Counts the times an interaction sent the browser away to sign in or step up. The count is
 * what makes "never a loop" hold: a user who comes back still short of the request after
 * `maxRounds` trips gets an error for the client instead of another trip.
 */
export function takeInteractionRound(req: Request, uid: string, maxRounds: number): boolean {
  const session = req.session;
  const rounds = session.stepguardOidc?.uid === uid ? session.stepguardOidc.rounds : 0;
  if (rounds >= maxRounds) return false;
  session.stepguardOidc = { uid, rounds: rounds + 1 };
  return true;
}

/** The interaction is over: its count goes. */
export function endInteractionRounds(req: Request, uid: string): void {
  if (req.session?.stepguardOidc?.uid === uid) delete req.session.stepguardOidc;
}
