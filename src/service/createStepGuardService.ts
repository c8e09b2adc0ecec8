import type { RequestContext } from '../audit/createAuditWriter';
import type { SecondFactorId } from '../core/assurance/types';
import { listEnrolledFactors } from './listEnrolledFactors';
import { beginTotpEnrolment, confirmTotpEnrolment } from './enrolTotp';
import { verifyTotp, type VerifyTotpResult } from './verifyTotp';
import { regenerateBackupCodes, verifyBackupCode } from './backupCodes';
import { beginPasskeyAuthentication, beginPasskeyRegistration, finishPasskeyAuthentication, finishPasskeyRegistration } from './passkeys';
import { maskPhone } from '../core/phone/maskPhone';
import { hashPhone } from '../core/phone/hashPhone';
import { normalizePhone, NUMBERING_PLAN } from '../core/phone/normalizePhone';
import type { TransactionDetails } from '../core/transaction/hashTransaction';
import type { AuditFilter, DeliveryRecord, EnrolledFactor, PhoneBinding, TrustedDevice } from '../stores/types';
import type { AuditEvent } from '../core/audit/auditChain';
import type { SmsChannel } from '../sms/types';
import type { StepGuardMetrics } from '../metrics/createMetrics';
import { applyDeliveryReceipt, type ApplyDeliveryReceiptResult } from './applyDeliveryReceipt';
import { forgetTrustedDevices, revokeAllTrustedDevices, trustDevice } from './trustedDevices';
import { removeFactor, type RemoveFactorResult } from './removeFactor';
import { confirmPhoneBinding, type ConfirmPhoneBindingResult } from './confirmPhoneBinding';
import { consumeTransactionApproval } from './consumeTransactionApproval';
import { inCoolOff } from './inCoolOff';
import { removePhone, type RemovePhoneResult } from './removePhone';
import { resetFactor, type ResettableFactor } from './resetFactor';
import { sendSmsChallenge, type SendSmsChallengeInput, type SendSmsChallengeResult } from './sendSmsChallenge';
import type { ServiceContext } from './ServiceContext';
import { createFirstFactorService, type FirstFactorService } from './firstFactor';
import { authorizeFactorChange, type FactorChangeRefusal, type SessionProof } from './authorizeFactorChange';
import { isSessionLive, revokeAllSessions, revokeSession, sessionGenerationOf, sessionStanding, signOutEverywhereElse, supersedeSession } from './sessions';
import { highRiskFactorTimes } from './highRiskFactorTimes';
import { startPhoneBinding, type StartPhoneBindingResult } from './startPhoneBinding';
import type { Recovery } from '../stores/RecoveryStore';
import { startRecovery } from './startRecovery';
import { cancelRecovery } from './cancelRecovery';
import { completeRecovery } from './completeRecovery';
import { shortenRecovery } from './shortenRecovery';
import { pendingRecoveryOf } from './pendingRecoveryOf';
import { runDueRecoveryNotices } from './runDueRecoveryNotices';
import { verifySmsChallenge, type VerifySmsChallengeInput, type VerifySmsChallengeResult } from './verifySmsChallenge';
import { enrolmentStatusOf } from './enrolmentStatusOf';
import { answerEnrolmentNudge } from './answerEnrolmentNudge';
import { alertNewSignIn } from './alertNewSignIn';
import { createStatsRecorder, type StatsRecorder } from './createStatsRecorder';
import type { StatBucket, StatResolution } from '../stores/StatsStore';

type PhoneStartInput = Parameters<typeof startPhoneBinding>[1];
type PhoneConfirmInput = Parameters<typeof confirmPhoneBinding>[1];

/** The service object: ports wired to core. Routes, strategies and the CLI call this, never a store. */
export type StepGuardService = {
  sendSmsChallenge(input: SendSmsChallengeInput): Promise<SendSmsChallengeResult>;
  verifySmsChallenge(input: VerifySmsChallengeInput): Promise<VerifySmsChallengeResult>;
  consumeTransactionApproval(input: { userId: string; bindingId: string; action: string; details: TransactionDetails }): Promise<boolean>;
  startPhoneBinding(input: PhoneStartInput): Promise<StartPhoneBindingResult>;
  confirmPhoneBinding(input: PhoneConfirmInput): Promise<ConfirmPhoneBindingResult>;
  removePhone(input: { userId: string; proof: SessionProof; context?: RequestContext }): Promise<RemovePhoneResult>;
  /** The user's bound number, masked; `null` when none is bound. */
  maskedPhoneOf(userId: string): Promise<string | null>;
  phoneBindingOf(userId: string): Promise<PhoneBinding | null>;
  /** Whether SMS to the user's number is in its post-change cool-off now. */
  phoneInCoolOff(userId: string): Promise<boolean>;
  /** Binds a number without proof (seeding, admin tools). The user-facing flow proves receipt first. */
  bindPhoneUnchecked(userId: string, e164: string): Promise<void>;
  listFactors(userId: string): Promise<EnrolledFactor[]>;
  /** The second factors the user has, as session factor ids (sms, otp, hwk, swk, backup). */
  listEnrolledFactors(userId: string): Promise<SecondFactorId[]>;
  resetFactor(input: { userId: string; factor: ResettableFactor; reason: string; admin: string }): Promise<{ removed: number }>;
  beginTotpEnrolment(input: Parameters<typeof beginTotpEnrolment>[1]): ReturnType<typeof beginTotpEnrolment>;
  confirmTotpEnrolment(input: Parameters<typeof confirmTotpEnrolment>[1]): ReturnType<typeof confirmTotpEnrolment>;
  verifyTotp(input: Parameters<typeof verifyTotp>[1]): Promise<VerifyTotpResult>;
  regenerateBackupCodes(input: Parameters<typeof regenerateBackupCodes>[1]): ReturnType<typeof regenerateBackupCodes>;
  verifyBackupCode(input: Parameters<typeof verifyBackupCode>[1]): ReturnType<typeof verifyBackupCode>;
  beginPasskeyRegistration(input: Parameters<typeof beginPasskeyRegistration>[1]): ReturnType<typeof beginPasskeyRegistration>;
  finishPasskeyRegistration(input: Parameters<typeof finishPasskeyRegistration>[1]): ReturnType<typeof finishPasskeyRegistration>;
  beginPasskeyAuthentication(input: Parameters<typeof beginPasskeyAuthentication>[1]): ReturnType<typeof beginPasskeyAuthentication>;
  finishPasskeyAuthentication(input: Parameters<typeof finishPasskeyAuthentication>[1]): ReturnType<typeof finishPasskeyAuthentication>;
  trustDevice(input: Parameters<typeof trustDevice>[1]): ReturnType<typeof trustDevice>;
  isDeviceTrusted(userId: string, deviceId: string): Promise<boolean>;
  listTrustedDevices(userId: string): Promise<TrustedDevice[]>;
  /** The user forgets one remembered device (`deviceId`) or all, under the binding rule. */
  forgetTrustedDevices(input: Parameters<typeof forgetTrustedDevices>[1]): ReturnType<typeof forgetTrustedDevices>;
  /** Operators and internal effects: every trusted device of the user stops counting. */
  revokeAllTrustedDevices(userId: string, reason: string): Promise<number>;
  removeFactor(input: Parameters<typeof removeFactor>[1]): Promise<RemoveFactorResult>;
  renameFactor(userId: string, factorId: string, label: string): Promise<boolean>;
  applyDeliveryReceipt(input: Parameters<typeof applyDeliveryReceipt>[1]): Promise<ApplyDeliveryReceiptResult>;
  /** The newest message sent for a challenge (its delivery status), or null. */
  deliveryOf(userId: string, challengeId: string): Promise<DeliveryRecord | null>;
  /** Whether a code can be re-sent on that channel to the user's number (voice, WhatsApp). */
  channelAvailable(channel: SmsChannel, e164: string): boolean;
  /** The binding rule alone (e.g. before showing an enrolment form): may this session change factors now? */
  authorizeFactorChange(input: Parameters<typeof authorizeFactorChange>[1]): Promise<{ ok: true } | FactorChangeRefusal>;
  /** The session's factor times that can approve a high-risk action now (cool-off and removals applied). */
  highRiskFactorTimes(input: Parameters<typeof highRiskFactorTimes>[1]): ReturnType<typeof highRiskFactorTimes>;
  /** Whether a session (by binding id and the generation it holds) is still valid. */
  isSessionLive(input: Parameters<typeof isSessionLive>[1]): Promise<boolean>;
  /** `isSessionLive`, saying why not (see service/sessions.ts). */
  sessionStanding(input: Parameters<typeof sessionStanding>[1]): Promise<'live' | 'revoked' | 'superseded'>;
  /** A step-up replaced this session under a new id: every copy from before dies; the new epoch (null: the store cannot). */
  supersedeSession(input: Parameters<typeof supersedeSession>[1]): Promise<number | null>;
  /** The user's current session generation, which a new login takes. */
  sessionGenerationOf(userId: string): Promise<number>;
  /** Ends one session for good (logout). */
  revokeSession(input: Parameters<typeof revokeSession>[1]): Promise<void>;
  /** Ends every session of the user; returns the generation a surviving session takes. */
  revokeAllSessions(input: Parameters<typeof revokeAllSessions>[1]): Promise<number | null>;
  /** A signed-in user's "sign out everywhere else": the binding rule, then atomically while the caller is live. */
  signOutEverywhereElse(input: Parameters<typeof signOutEverywhereElse>[1]): ReturnType<typeof signOutEverywhereElse>;
  /**
   * Self-service recovery of an account that lost every factor (README, "Recovery"): a fresh
   * password starts a wait and tells every channel; nothing changes until it completes.
   */
  startRecovery(input: Parameters<typeof startRecovery>[1]): ReturnType<typeof startRecovery>;
  /** Cancels the pending recovery: any signed-in session (`actor: 'user'`), or an operator with a reason. */
  cancelRecovery(input: Parameters<typeof cancelRecovery>[1]): ReturnType<typeof cancelRecovery>;
  /** After the wait, with a fresh password: every factor is removed through the factor-change path. */
  completeRecovery(input: Parameters<typeof completeRecovery>[1]): ReturnType<typeof completeRecovery>;
  /** An operator brings the end forward (never later; the owner still gets the reminder's lead time). */
  shortenRecovery(input: Parameters<typeof shortenRecovery>[1]): ReturnType<typeof shortenRecovery>;
  /**
   * The user's recovery (pending, or ended and still kept), or `null`. With `sendDueReminder`
   * (a request of the user's), a reminder that is due goes out on the way.
   */
  recoveryOf(userId: string, options?: { sendDueReminder?: boolean }): Promise<Recovery | null>;
  /** Whether a recovery waits on the account now (high-risk actions and factor changes are refused). */
  recoveryPending(userId: string): Promise<boolean>;
  /** Sends every recovery reminder that is due (run it every few minutes; requests also send them as they notice). */
  runDueRecoveryNotices(nowMs?: number): Promise<{ reminded: number }>;
  /** What to offer or require about another sign-in method now (starts a requirement's grace period the first time). */
  enrolmentStatus(input: Parameters<typeof enrolmentStatusOf>[1]): ReturnType<typeof enrolmentStatusOf>;
  /** "Not now" (snooze) or "Don't ask again" (decline) to an optional offer. */
  answerEnrolmentNudge(input: Parameters<typeof answerEnrolmentNudge>[1]): ReturnType<typeof answerEnrolmentNudge>;
  /** A sign-in from a new device or country: the owner is alerted (rate-limited). */
  alertNewSignIn(input: Parameters<typeof alertNewSignIn>[1]): Promise<void>;
  readonly metrics: StepGuardMetrics;
  /**
   * The stats buckets of [fromMs, toMs] (the admin overview): this node's sums are flushed first,
   * so what it just counted shows. Store errors reach the caller (a 503 at the edge).
   */
  readStats(query: { fromMs: number; toMs: number; resolution: StatResolution }): Promise<StatBucket[]>;
  /** Writes this node's stats sums now (tests with a fake clock; shutdown). Never throws. */
  flushStats(): Promise<void>;
  /** Writes an audit event (login results and other host events). */
  audit: ServiceContext['audit']['record'];
  /** The stored audit events (one user's, a time range), ordered by chain and sequence: exports and the admin command channel. */
  auditEvents(filter: AuditFilter): AsyncIterable<AuditEvent>;
  /** Throws StoreUnavailableError when a store cannot answer. */
  checkHealth(): Promise<void>;
  /** Password-guessing throttle and failed-first-factor audit (call it around the host's password check). */
  readonly firstFactor: FirstFactorService;
};

export function createStepGuardService(ctx: ServiceContext): StepGuardService {
  const { config, stores } = ctx;
  const stats: StatsRecorder = ctx.stats ?? createStatsRecorder({ store: stores.stats, clock: config.clock, flushSeconds: config.stats.flushSeconds, enabled: false });
  // Verification results by factor for /metrics (SMS counts its own, per attempt outcome).
  const counted = async <R extends { ok: boolean; reason?: string }>(factor: string, pending: Promise<R>): Promise<R> => {
    const result = await pending;
    ctx.metrics.verification({ factor, result: result.ok ? 'success' : (result.reason ?? 'failure') });
    return result;
  };
  return {
    sendSmsChallenge: (input) => sendSmsChallenge(ctx, input),
    verifySmsChallenge: (input) => verifySmsChallenge(ctx, input),
    consumeTransactionApproval: (input) => consumeTransactionApproval(ctx, input),
    startPhoneBinding: (input) => startPhoneBinding(ctx, input),
    confirmPhoneBinding: (input) => confirmPhoneBinding(ctx, input),
    removePhone: (input) => removePhone(ctx, input),
    maskedPhoneOf: async (userId) => {
      const binding = await stores.phones.getActive(userId);
      return binding ? maskPhone(binding.e164) : null;
    },
    phoneBindingOf: (userId) => stores.phones.getActive(userId),
    phoneInCoolOff: async (userId) => {
      const binding = await stores.phones.getActive(userId);
      return binding !== null && inCoolOff(binding, config.phone.changeCoolOffSeconds, config.clock.nowMs());
    },
    bindPhoneUnchecked: async (userId, e164) => {
      const parsed = normalizePhone(e164);
      if (!parsed.ok) throw new TypeError(`bindPhoneUnchecked: ${e164} is not a valid number (${parsed.detail})`);
      const result = await stores.phones.bind({
        userId,
        e164: parsed.e164,
        phoneHash: hashPhone(config.secrets.pepper, parsed.e164),
        country: parsed.country ?? null,
        lineType: parsed.lineType ?? null,
        numberingPlan: NUMBERING_PLAN,
        nowMs: config.clock.nowMs(),
        maxAccountsPerNumber: config.phone.maxAccountsPerNumber,
      });
      if (!result.ok) throw new Error('bindPhoneUnchecked: the number is already bound to the maximum number of accounts');
    },
    beginTotpEnrolment: (input) => beginTotpEnrolment(ctx, input),
    confirmTotpEnrolment: (input) => confirmTotpEnrolment(ctx, input),
    verifyTotp: (input) => counted('otp', verifyTotp(ctx, input)),
    regenerateBackupCodes: (input) => regenerateBackupCodes(ctx, input),
    verifyBackupCode: (input) => counted('backup', verifyBackupCode(ctx, input)),
    beginPasskeyRegistration: (input) => beginPasskeyRegistration(ctx, input),
    finishPasskeyRegistration: (input) => finishPasskeyRegistration(ctx, input),
    beginPasskeyAuthentication: (input) => beginPasskeyAuthentication(ctx, input),
    finishPasskeyAuthentication: (input) => counted('webauthn', finishPasskeyAuthentication(ctx, input)),
    trustDevice: (input) => trustDevice(ctx, input),
    isDeviceTrusted: (userId, deviceId) => stores.trustedDevices.isTrusted(userId, deviceId, config.clock.nowMs()),
    listTrustedDevices: (userId) => stores.trustedDevices.list(userId, config.clock.nowMs()),
    forgetTrustedDevices: (input) => forgetTrustedDevices(ctx, input),
    revokeAllTrustedDevices: (userId, reason) => revokeAllTrustedDevices(ctx, userId, reason),
    removeFactor: (input) => removeFactor(ctx, input),
    renameFactor: (userId, factorId, label) => stores.factors.update(userId, factorId, { label: label.slice(0, 40) }),
    listFactors: (userId) => stores.factors.list(userId),
    listEnrolledFactors: (userId) => listEnrolledFactors(stores, userId),
    resetFactor: (input) => resetFactor(ctx, input),
    applyDeliveryReceipt: (input) => applyDeliveryReceipt(ctx, input),
    deliveryOf: (userId, challengeId) => stores.deliveries.latestForChallenge(userId, challengeId),
    channelAvailable: (channel, e164) => {
      if (config.sms.verifyProvider) return config.sms.verifyProvider.channels.includes(channel);
      const parsed = normalizePhone(e164);
      return ctx.sms.supports(channel, parsed.ok ? (parsed.country ?? null) : null);
    },
    authorizeFactorChange: async (input) => {
      const result = await authorizeFactorChange(ctx, input);
      return result.ok ? { ok: true } : result;
    },
    highRiskFactorTimes: (input) => highRiskFactorTimes(ctx, input),
    isSessionLive: (input) => isSessionLive(ctx, input),
    sessionStanding: (input) => sessionStanding(ctx, input),
    supersedeSession: (input) => supersedeSession(ctx, input),
    sessionGenerationOf: (userId) => sessionGenerationOf(ctx, userId),
    revokeSession: (input) => revokeSession(ctx, input),
    revokeAllSessions: (input) => revokeAllSessions(ctx, input),
    signOutEverywhereElse: (input) => signOutEverywhereElse(ctx, input),
    startRecovery: (input) => startRecovery(ctx, input),
    cancelRecovery: (input) => cancelRecovery(ctx, input),
    completeRecovery: (input) => completeRecovery(ctx, input),
    shortenRecovery: (input) => shortenRecovery(ctx, input),
    recoveryOf: async (userId, options) => (options?.sendDueReminder ? await pendingRecoveryOf(ctx, userId) : null) ?? stores.recoveries.get(userId, config.clock.nowMs()),
    recoveryPending: async (userId) => (await pendingRecoveryOf(ctx, userId)) !== null,
    runDueRecoveryNotices: (nowMs) => runDueRecoveryNotices(ctx, nowMs),
    enrolmentStatus: (input) => enrolmentStatusOf(ctx, input),
    answerEnrolmentNudge: (input) => answerEnrolmentNudge(ctx, input),
    alertNewSignIn: (input) => alertNewSignIn(ctx, input),
    metrics: ctx.metrics,
    readStats: (query) => stats.read(query),
    flushStats: () => stats.flush(),
    audit: (input) => ctx.audit.record(input),
    checkHealth: () => stores.ping(),
    // The fail-closed store wrapper hands the iterable back in a promise.
    auditEvents: async function* auditEvents(filter) {
      yield* await stores.audit.list(filter);
    },
    firstFactor: createFirstFactorService(ctx),
  };
}
