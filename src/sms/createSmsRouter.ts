import type { Clock } from '../core/clock';
import type { Logger } from '../config';
import { maskPhone } from '../core/phone/maskPhone';
import { isSmsProviderError } from './SmsProviderError';
import { ProviderTimeoutError, withTimeout } from './withTimeout';
import type { SmsChannel, SmsMessage, SmsProvider, SmsSendResult } from './types';

/** A provider and, optionally, the countries it is preferred for. */
export type SmsRoute = { provider: SmsProvider; countries?: readonly string[] };

export type SmsRouterOptions = {
  routes: readonly SmsRoute[];
  /** Waits between retries on one provider after a transient failure. @default [2, 4, 8] */
  backoffSeconds: readonly number[];
  /** A Retry-After longer than this moves on to the next provider instead of waiting. @default 30 */
  maxRetryAfterSeconds: number;
  /** The whole send (all retries and fail-overs) must finish by then. @default 30000 */
  deadlineMs: number;
  /** One attempt that has not answered by then counts as failed. @default 5000 */
  attemptTimeoutMs: number;
  clock: Clock;
  sleep: (ms: number) => Promise<void>;
  logger?: Logger | undefined;
};

export type SmsAttempt = {
  provider: string;
  outcome: 'sent' | 'transient' | 'permanent' | 'timeout';
  httpStatus?: number;
  /** How long the router waited before this attempt. */
  waitedMs: number;
};

export type SmsRouteResult =
  | { ok: true; provider: string; result: SmsSendResult; attempts: SmsAttempt[] }
  | { ok: false; reason: 'no_provider' | 'all_failed'; attempts: SmsAttempt[] };

export type SmsRouter = {
  send(message: SmsMessage, target: { country: string | null }): Promise<SmsRouteResult>;
  /** Whether some provider for that country can use the channel (voice, whatsapp). */
  supports(channel: SmsChannel, country: string | null): boolean;
  provider(name: string): SmsProvider | undefined;
};

/**
 * Delivers through providers in priority order (those preferred for the number's country
 * first). A transient failure (429 honouring Retry-After, 5xx, network) is retried on the same
 * provider after 2, 4 and 8 s, then the next provider is tried; a permanent failure (4xx) is not
 * retried. A timeout fails over at once: the request may still have gone out, and the user is
 * already waiting, so the next provider is the faster and safer bet.
 */
export function createSmsRouter(options: SmsRouterOptions): SmsRouter {
  const candidates = (channel: SmsChannel, country: string | null) => {
    const able = options.routes.filter((route) => (route.provider.channels ?? ['sms']).includes(channel));
    const preferred = able.filter((route) => country !== null && route.countries?.includes(country));
    const general = able.filter((route) => !route.countries);
    return [...preferred, ...general].map((route) => route.provider);
  };

  return {
    supports: (channel, country) => candidates(channel, country).length > 0,
    provider: (name) => options.routes.find((route) => route.provider.name === name)?.provider,
    async send(message, target) {
      const providers = candidates(message.channel, target.country);
      const attempts: SmsAttempt[] = [];
      if (providers.length === 0) return { ok: false, reason: 'no_provider', attempts };
      const deadlineMs = options.clock.nowMs() + options.deadlineMs;
      for (const provider of providers) {
        let waitedMs = 0;
        for (let retry = 0; ; retry += 1) {
          try {
            const result = await withTimeout((signal) => provider.send(message, { signal }), options.attemptTimeoutMs, provider.name);
            attempts.push({ provider: provider.name, outcome: 'sent', waitedMs });
            return { ok: true, provider: provider.name, result, attempts };
          } catch (err) {
            const timedOut = err instanceof ProviderTimeoutError || (isSmsProviderError(err) && err.details.timedOut === true);
            const permanent = isSmsProviderError(err) && err.kind === 'permanent';
            const httpStatus = isSmsProviderError(err) ? err.details.httpStatus : undefined;
            attempts.push({
              provider: provider.name,
              outcome: timedOut ? 'timeout' : permanent ? 'permanent' : 'transient',
              ...(httpStatus !== undefined ? { httpStatus } : {}),
              waitedMs,
            });
            options.logger?.warn(
              { event: 'sms_provider_failed', provider: provider.name, to: maskPhone(message.to), channel: message.channel, timedOut, permanent, httpStatus, err: (err as Error).message },
              'SMS provider attempt failed',
            );
            if (timedOut || permanent || retry >= options.backoffSeconds.length) break;
            const retryAfter = isSmsProviderError(err) ? err.details.retryAfterSeconds : undefined;
            if (retryAfter !== undefined && retryAfter > options.maxRetryAfterSeconds) break;
            waitedMs = Math.max(options.backoffSeconds[retry] as number, retryAfter ?? 0) * 1000;
            if (options.clock.nowMs() + waitedMs >= deadlineMs) break;
            await options.sleep(waitedMs);
          }
        }
      }
      return { ok: false, reason: 'all_failed', attempts };
    },
  };
}
