export { createStepGuard } from './createStepGuard';
export type { StepGuard } from './createStepGuard';
export { parseStepGuardOptions, DEFAULTS } from './config';
export type { StepGuardOptions, StepGuardConfig, Logger } from './config';
export { ERRORS, StepGuardConfigError } from './errors';
export type { ErrorCode } from './errors';
export type { Clock } from './core/clock';
export type { RandomSource } from './core/random';
export type { ActionRequirement, AssuranceLevel, FactorId, SecondFactorId } from './core/assurance/types';
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
export type { StepGuardMetrics } from './metrics/createMetrics';
export type * from './stores/types';
export { createMemoryStores } from './stores/memory/createMemoryStores';
export { createRedisStores } from './stores/redis/createRedisStores';
export { ioredisSessionClient } from './stores/redis/ioredisSessionClient';
export { StoreUnavailableError } from './service/StoreUnavailableError';
export type { RequireStepUpOptions, StepGuardRequestInfo } from './http/requireStepUp';
export { SmsOtpStrategy } from '../strategies/SmsOtpStrategy';
export type { SmsOtpStrategyOptions } from '../strategies/SmsOtpStrategy';
export { TotpStrategy } from '../strategies/TotpStrategy';
export { WebAuthnStrategy } from '../strategies/WebAuthnStrategy';
export { BackupCodeStrategy } from '../strategies/BackupCodeStrategy';
export { createRedisClient, FAIL_FAST_REDIS_OPTIONS } from './stores/redis/createRedisClient';
export { safeReturnTo } from './http/safeReturnTo';
export { trustProxyWarning } from './http/trustProxyWarning';
export { clientAddressKey, UNREADABLE_ADDRESS_KEY } from './core/net/clientAddressKey';
export { packageRoot } from './http/packageRoot';
export { answerEveryRequest, type AnswerEveryRequestOptions } from './http/answerEveryRequest';
export type { FirstFactorGate } from './http/createFirstFactorGate';
export { evaluatePolicy, defaultRules, validatePolicyRules } from './core/policy';
export type { RiskSignals, PolicyRule, PolicyDecision, Condition, Effect, OnNoStrongFactor } from './core/policy';
export { csvGeoLookup } from './risk/csvGeoLookup';
export { maxmindGeoLookup } from './risk/maxmindGeoLookup';
export { twilioLookupProvider } from './risk/twilioLookupProvider';
export type { GeoLookup, GeoPoint, PhoneIntelProvider, PhoneIntel } from './risk/types';
export type { ForwardAuthOptions } from './http/createForwardAuth';
export type { ForwardAuthRule } from './config';
export { FileAuditStore } from './stores/file/FileAuditStore';
export { createMongoStores, ensureMongoIndexes } from './stores/mongo/createMongoStores';
export { createMemoryDurableStores } from './stores/memory/createMemoryStores';
export { verifyAuditChain, deriveAuditKey, auditMac } from './core/audit/auditChain';
export type { AuditEvent, ChainVerification, ChainBreak } from './core/audit/auditChain';
export type { RequestContext, AuditInput } from './audit/createAuditWriter';
