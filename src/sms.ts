// stepguard/sms: providers, routing, the anti-pumping rules and the message templates.
export { ConsoleSmsProvider } from './sms/ConsoleSmsProvider';
export type { ConsoleSmsProviderOptions } from './sms/ConsoleSmsProvider';
export type {
  SmsProvider,
  SmsMessage,
  SmsSendResult,
  SmsChannel,
  SmsDeliveryStatus,
  CodeOwningSmsProvider,
  IncomingReceipt,
  ReceiptCheck,
} from './sms/types';
export { SmsProviderError } from './sms/SmsProviderError';
export { HttpSmsProvider, type HttpSmsProviderOptions } from './sms/providers/HttpSmsProvider';
export { TwilioSmsProvider, type TwilioSmsProviderOptions } from './sms/providers/TwilioSmsProvider';
export { TwilioVerifyProvider, type TwilioVerifyProviderOptions } from './sms/providers/TwilioVerifyProvider';
export { VonageSmsProvider, type VonageSmsProviderOptions } from './sms/providers/VonageSmsProvider';
export { createSmsRouter, type SmsRoute, type SmsRouter, type SmsRouteResult } from './sms/createSmsRouter';
export { PUMPING_RULES, PUMPING_DEFAULTS, type PumpingRule } from './sms/pumpingRules';
export { BUILT_IN_TEMPLATES, countSmsSegments, renderSmsCodeMessage, resolveLocale, type SmsTemplateSet } from './core/messages';
