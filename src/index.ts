// What mounting stepguard needs. The rest sits behind subpath exports:
// stepguard/passport (strategies), stepguard/stores (ports, adapters, contract suite),
// stepguard/policy (risk policy and lookups), stepguard/sms (providers, templates), stepguard/audit.
export { createStepGuard } from './createStepGuard';
export type { StepGuard, FirstFactor, FirstFactorOptions } from './createStepGuard';
export type { AdminCommandChannelOptions, AdminCommandListener } from './admin/listenForAdminCommands';
export type { TrustedIssuer, UpstreamClaims } from './core/assurance/upstreamFactors';
export type { UserIdentity } from './core/forward/identityHeaders';
export type { StepGuardOptions, StepGuardConfig, Logger, ForwardAuthRule } from './config';
export { ERRORS, StepGuardConfigError } from './errors';
export type { ErrorCode } from './errors';
export { StoreUnavailableError } from './service/StoreUnavailableError';
export { createRedisClient } from './stores/redis/createRedisClient';
export { ioredisSessionClient } from './stores/redis/ioredisSessionClient';
export { ensureMongoIndexes } from './stores/mongo/createMongoStores';
export { answerEveryRequest, type AnswerEveryRequestOptions } from './http/answerEveryRequest';
export { safeReturnTo } from './http/safeReturnTo';
export { trustProxyWarning } from './http/trustProxyWarning';
export type { Clock } from './core/clock';
export type { RandomSource } from './core/random';
export type { ActionRequirement, AssuranceLevel, FactorId, SecondFactorId } from './core/assurance/types';
export type { RequireStepUpOptions, StepGuardRequestInfo } from './http/requireStepUp';
export type { AdminRouterOptions } from './http/admin/adminRouterOptions';
export type { ForwardAuthOptions } from './http/createForwardAuth';
export type { FirstFactorGate } from './http/createFirstFactorGate';
export type { FinishedStepUp } from './http/finishStepUp';
export type { SecurityEvent } from './config';
export type { SecurityAlert, AlertLocaleOf } from './options/alertOptions';
export type { EnrolmentRequireFn } from './options/enrolmentOptions';
export type { EnrolmentOffer } from './http/enrolmentOffer';
export type { StepGuardStores } from './stores/types';
export type { SmsProvider } from './sms/types';
export type { StepGuardMetrics } from './metrics/createMetrics';
