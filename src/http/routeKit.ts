import type { Request, Response, Router } from 'express';
import type { z } from 'zod';
import { ERRORS, type ErrorCode } from '../errors';
import type { GuardInternals } from './GuardInternals';
import type { SessionProof } from '../service/authorizeFactorChange';
import type { CompletedStepUp } from './finishStepUp';

export type { CompletedStepUp } from './finishStepUp';

/** What the route modules (SMS, phone, ...) share with createRouter. */
export type RouteKit = {
  internals: GuardInternals;
  router: Router;
  /** A signed-in route with a validated body; errors go to the error handler. */
  route<T>(schema: z.ZodType<T> | null, handler: (req: Request, res: Response, userId: string, body: T) => Promise<unknown>): (req: Request, res: Response, next: (err?: unknown) => void) => Promise<void>;
  fail(req: Request, res: Response, code: ErrorCode, details?: Record<string, unknown>): Promise<void>;
  /** The locale for messages: user setting, then Accept-Language, then the default. */
  /** The SMS language the user's setting or Accept-Language names; undefined: the service decides by the number's country. */
  localeOf(req: Request): string | undefined;
  describeMethods(req: Request, res: Response, userId: string, action: string): Promise<Record<string, unknown>>;
  completeStepUp(req: Request, res: Response, userId: string, done: CompletedStepUp): Promise<void>;
  /** What the session proves for the binding rule (factor times, instances, the policy's requirement). */
  proofOf(req: Request, res: Response, userId: string): Promise<SessionProof>;
  /** Applies a change's effects to this session (new generation, removed factor forgotten). */
  afterChange(req: Request, userId: string, result: { sessionGeneration?: number | null }, removedRef?: string): Promise<void>;
  /** Answers a refused change: browsers step up and come back; API clients get the error. */
  refuseChange(req: Request, res: Response, userId: string, reason: string, back?: string): Promise<void>;
  verifySchema: z.ZodType<{ code: string; remember?: boolean | 'on' | undefined; _csrf?: string | undefined }>;
  csrfOnly: z.ZodType<{ _csrf?: string | undefined }>;
  codeSchema: z.ZodType<string>;
};

/** A service's refusal as an error code and the details a client may see. */
export function toError(result: { ok: false; reason: string } & Record<string, unknown>): { code: ErrorCode; details: Record<string, unknown> } {
  const { reason, ok: _ok, ...details } = result;
  const code = (reason === 'unknown_action' ? 'invalid_request' : reason) as ErrorCode;
  if (!(code in ERRORS)) throw new Error(`no error code for reason ${reason}`);
  return { code, details };
}

export function statusOf(code: ErrorCode): number {
  return ERRORS[code].status;
}

export function displayOf(details: Record<string, string | number | boolean>): { amount: string; payee: string } {
  return { amount: String(details.amount ?? ''), payee: String(details.payee ?? '') };
}
