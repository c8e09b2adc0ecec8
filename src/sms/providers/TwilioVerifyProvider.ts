import { StepGuardConfigError } from '../../errors';
import type { CodeOwningSmsProvider, SmsChannel, SmsSendOptions, SmsSendResult } from '../types';
import { SmsProviderError } from '../SmsProviderError';
import { providerRequest, trimSlash } from './providerRequest';
import { twilioAuthorization, twilioStatus, type TwilioCredentials } from './twilioShared';

export type TwilioVerifyProviderOptions = TwilioCredentials & {
  /** The Verify service (VA...). */
  serviceSid: string;
  /** @default 'twilio-verify' */
  name?: string;
  /** @default 'https://verify.twilio.com' */
  baseUrl?: string;
  /** @default 5000 */
  timeoutMs?: number;
};

const VERIFY_CHANNELS: Record<SmsChannel, string> = { sms: 'sms', voice: 'call', whatsapp: 'whatsapp' };

/**
 * Twilio Verify: Twilio generates, sends and checks the code. stepguard keeps the challenge
 * binding, the attempt counts and the lockout, and calls `check` only after counting the try.
 */
export class TwilioVerifyProvider implements CodeOwningSmsProvider {
  readonly name: string;
  readonly channels: readonly SmsChannel[] = ['sms', 'voice', 'whatsapp'];
  private readonly service: string;
  private readonly timeoutMs: number;

  constructor(private readonly options: TwilioVerifyProviderOptions) {
    this.name = options.name ?? 'twilio-verify';
    if (!/^VA[0-9a-fA-F]{32}$/.test(options.serviceSid)) throw new StepGuardConfigError('TwilioVerifyProvider.serviceSid: must look like VA followed by 32 hex digits.');
    if (!options.authToken) throw new StepGuardConfigError('TwilioVerifyProvider.authToken: required.');
    this.service = `${trimSlash(options.baseUrl ?? 'https://verify.twilio.com')}/v2/Services/${options.serviceSid}`;
    this.timeoutMs = options.timeoutMs ?? 5000;
  }

  async start(input: { to: string; channel: SmsChannel; locale?: string }, options: SmsSendOptions = {}): Promise<SmsSendResult> {
    const form = new URLSearchParams({ To: input.to, Channel: VERIFY_CHANNELS[input.channel] });
    if (input.locale) form.set('Locale', input.locale);
    const { json } = await this.post('Verifications', form, options);
    const sid = json.sid;
    if (typeof sid !== 'string' || !sid) throw new SmsProviderError(`${this.name} answered without a sid`, 'permanent', { provider: this.name });
    return { providerMessageId: sid, status: twilioStatus(String(json.status ?? '')) ?? 'accepted' };
  }

  async check(input: { to: string; code: string }, options: SmsSendOptions = {}): Promise<{ valid: boolean }> {
    try {
      const { json } = await this.post('VerificationCheck', new URLSearchParams({ To: input.to, Code: input.code }), options);
      return { valid: json.status === 'approved' && json.valid !== false };
    } catch (err) {
      // 404: the verification expired, was approved already, or ran out of Twilio's own tries.
      if (err instanceof SmsProviderError && err.details.httpStatus === 404) return { valid: false };
      throw err;
    }
  }

  private post(path: string, form: URLSearchParams, options: SmsSendOptions) {
    return providerRequest({
      provider: this.name,
      url: `${this.service}/${path}`,
      headers: { authorization: twilioAuthorization(this.options) },
      body: form,
      timeoutMs: this.timeoutMs,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }
}
