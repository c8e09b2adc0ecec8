/**
 * A provider refused or failed a send. `transient` failures (timeouts, 429, 5xx, network
 * errors) are worth retrying; `permanent` ones (other 4xx, a rejected number) are not.
 */
export class SmsProviderError extends Error {
  override readonly name = 'SmsProviderError';

  constructor(
    message: string,
    readonly kind: 'transient' | 'permanent',
    readonly details: { provider: string; httpStatus?: number; retryAfterSeconds?: number; timedOut?: boolean },
  ) {
    super(message);
  }
}

export function isSmsProviderError(err: unknown): err is SmsProviderError {
  return err instanceof SmsProviderError;
}
