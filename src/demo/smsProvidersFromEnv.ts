import { StepGuardConfigError } from '../index';
import { ConsoleSmsProvider, HttpSmsProvider, TwilioSmsProvider, VonageSmsProvider, type SmsProvider } from '../sms';

/**
 * The demo's providers from `SMS_PROVIDER`: a comma-separated priority list of `console`,
 * `outbox` (the `SMS_OUTBOX_FILE` alone), `http`, `twilio` and `vonage` (e.g. `http,console`
 * falls back to the terminal).
 */
export function smsProvidersFromEnv(env: NodeJS.ProcessEnv): SmsProvider[] {
  const names = (env.SMS_PROVIDER || 'console').split(',').map((n) => n.trim()).filter(Boolean);
  const need = (name: string) => {
    const value = env[name];
    if (!value) throw new StepGuardConfigError(`${name}: required when SMS_PROVIDER includes this provider.`);
    return value;
  };
  const timeoutMs = env.SMS_PROVIDER_TIMEOUT_MS ? Number(env.SMS_PROVIDER_TIMEOUT_MS) : undefined;
  return names.map((name): SmsProvider => {
    switch (name) {
      case 'console':
        return new ConsoleSmsProvider({ outboxFile: env.SMS_OUTBOX_FILE, environment: env.NODE_ENV });
      // The outbox file alone, nothing on the terminal: for tools and the bench (whose peer
      // writes its codes to a file too), so a step-up is not also measured printing.
      case 'outbox':
        return new ConsoleSmsProvider({ outboxFile: need('SMS_OUTBOX_FILE'), environment: env.NODE_ENV, output: null });
      case 'http':
        return new HttpSmsProvider({
          baseUrl: need('SMS_HTTP_BASE_URL'),
          bearerToken: need('SMS_HTTP_TOKEN'),
          from: env.SMS_HTTP_FROM ?? 'stepguard',
          ...(env.SMS_HTTP_WEBHOOK_SECRET ? { webhookSecret: env.SMS_HTTP_WEBHOOK_SECRET } : {}),
          ...(timeoutMs ? { timeoutMs } : {}),
        });
      case 'twilio':
        return new TwilioSmsProvider({
          accountSid: need('TWILIO_ACCOUNT_SID'),
          authToken: need('TWILIO_AUTH_TOKEN'),
          ...(env.TWILIO_FROM ? { from: env.TWILIO_FROM } : {}),
          ...(env.TWILIO_MESSAGING_SERVICE_SID ? { messagingServiceSid: env.TWILIO_MESSAGING_SERVICE_SID } : {}),
          ...(env.TWILIO_BASE_URL ? { baseUrl: env.TWILIO_BASE_URL } : {}),
          ...(timeoutMs ? { timeoutMs } : {}),
        });
      case 'vonage':
        return new VonageSmsProvider({
          apiKey: need('VONAGE_API_KEY'),
          apiSecret: need('VONAGE_API_SECRET'),
          from: need('VONAGE_FROM'),
          ...(env.VONAGE_SIGNATURE_SECRET ? { signatureSecret: env.VONAGE_SIGNATURE_SECRET } : {}),
          ...(env.VONAGE_BASE_URL ? { baseUrl: env.VONAGE_BASE_URL } : {}),
          ...(timeoutMs ? { timeoutMs } : {}),
        });
      default:
        throw new StepGuardConfigError(`SMS_PROVIDER: unknown provider "${name}"; use console, http, twilio or vonage (comma-separated, in priority order).`);
    }
  });
}
