import type { Request, Response } from 'express';
import { existsSync, statSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { z } from 'zod';
import type { Clock } from './core/clock';
import { systemClock } from './systemClock';
import { cryptoRandom, type RandomSource } from './core/random';
import { LEVELS, SECOND_FACTORS, type ActionRequirement } from './core/assurance/types';
import type { TrustedIssuer } from './core/assurance/upstreamFactors';
import type { IdentityHeaderNames, UserIdentity } from './core/forward/identityHeaders';
import { countSmsSegments } from './core/messages/countSmsSegments';
import { renderSmsCodeMessage } from './core/messages/renderSmsCodeMessage';
import { webOtpHostOf } from './core/messages/webOtpHostOf';
import { BUILT_IN_TEMPLATES, DEFAULT_LOCALE, type SmsTemplateSet } from './core/messages/smsTemplates';
import { PUMPING_DEFAULTS, PUMPING_RULES, type PumpingConfig, type PumpingRule, type RuleMode } from './sms/pumpingRules';
import type { SmsRoute } from './sms/createSmsRouter';
import { StepGuardConfigError } from './errors';
import type { Connection } from 'mongoose';
import type { AuditStore, CustomStepGuardStores, LockoutPolicy } from './stores/types';
import type { RedisLike } from './stores/redis/scripts';
import type { CodeOwningSmsProvider, SmsProvider } from './sms/types';
import { defaultRules } from './core/policy/defaultRules';
import { validatePolicyRules } from './core/policy/validatePolicyRules';
import type { OnNoStrongFactor, PolicyRule } from './core/policy/types';
import { ipListFrom, type IpList } from './risk/ipList';
import { canonicalForwardAuthRule } from './core/forward/canonicalForwardAuthRule';
import type { CanonicalForwardAuthRule } from './core/forward/types';
import type { EncryptionKeyring } from './core/crypto/secretBox';
import type { GeoLookup, PhoneIntelProvider } from './risk/types';
import { DEFAULT_BLOCKED_LINE_TYPES, LINE_TYPES } from './core/phone/lineTypes';
import { checkProductionConfig } from './checkProductionConfig';
import { buildEnrolmentConfig, enrolmentOptionsSchema, type EnrolmentConfig } from './options/enrolmentOptions';
import { alertOptionsSchema, buildAlertConfig, type AlertConfig, type SecurityAlert } from './options/alertOptions';
import { buildStatsConfig, statsOptionsSchema, type StatsConfig } from './options/statsOptions';
import { auditStreamOptionsShape, buildAuditStreamConfig, type AuditStreamConfig } from './options/auditStreamOptions';
import { buildSmsLocaleByCountry, smsLocaleByCountrySchema } from './options/smsLocaleByCountry';

/** What the host's `onSecurityEvent` hook is told: one event per change, never a secret or a full number. */
export type SecurityEvent = {
  type: 'factor_changed' | 'sessions_revoked' | 'sign_in' | 'lockout' | 'recovery_started' | 'recovery_reminder' | 'recovery_cancelled' | 'recovery_shortened';
  userId: string;
  /** What changed: `phone_bound`, `phone_changed`, `phone_removed`, `totp_added`, `totp_removed`, `passkey_added`, `passkey_removed`, `backup_codes_regenerated`, `device_trusted`, `factor_reset`, `sign_out_everywhere`... */
  change: string;
  factor: 'sms' | 'otp' | 'webauthn' | 'backup' | 'device' | null;
  atMs: number;
  /** When factors added now start satisfying high-risk actions; `null` when no cool-off runs. */
  coolOffUntilMs: number | null;
  /** `user` or `admin:<id>`. */
  actor: string;
  /** The alert the user was sent about it (see `alerts`), when one was: its words in their language. */
  alert?: SecurityAlert;
  /** For `recovery_*` events: when the recovery completes unless cancelled, and the page that cancels it. */
  recovery?: { completesAtMs: number; cancelUrl: string };
};

/** Renders a stepguard page inside the host's layout; `locals.body` is the page's HTML. */
export type PagesRenderHook = (
  view: string,
  locals: { body: string; title: string; lang: string; stylesheet: string; darkMode: boolean; data: Record<string, unknown> },
) => string | Promise<string>;

/** Maps a forwarded request (host and path) to the action it needs. */
export type ForwardAuthRule = { host?: string; pathPrefix: string; action: string };

/** A fresh CSRF token of the host's, for the page that re-submits a guarded form after the step-up. */
export type FormsCsrfToken = (req: Request, res: Response) => string | Promise<string>;

/** The logger stepguard writes to: pino's shape. It never receives a code, secret or full number. */
export type Logger = {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
};

/** The built-in defaults (DESIGN.md §8), in one place. */
export const DEFAULTS = {
  serviceName: 'stepguard',
  appOrigin: 'http://localhost:3000',
  sms: {
    codeLength: 6,
    ttlSeconds: 300,
    maxAttempts: 5,
    resendInitialSeconds: 30,
    resendMaxSeconds: 900,
    providerTimeoutMs: 5000,
    retry: { backoffSeconds: [2, 4, 8] as readonly number[], maxRetryAfterSeconds: 30, deadlineSeconds: 30 },
    defaultLocale: DEFAULT_LOCALE,
    /** How long delivery records are kept for receipts and the code page. */
    deliveryRecordSeconds: 2 * 86_400,
  },
  lockout: { maxConsecutiveFailures: 10, lockSeconds: 900, hardLimitFailures: 100, failureMemorySeconds: 86_400 },
  /** TOTP window, and learning a device's clock offset by two consecutive codes (resync). */
  totp: { windowSteps: 1, resyncMaxSteps: 10, resyncSeconds: 300 },
  phone: {
    defaultCountry: undefined as string | undefined,
    allowedCountries: undefined as readonly string[] | undefined,
    maxAccountsPerNumber: 1,
    changeCoolOffSeconds: 7 * 86_400,
    /** Line types that cannot receive codes reliably or are abused for fraud (libphonenumber names; see LINE_TYPE_DECISIONS). */
    blockedLineTypes: DEFAULT_BLOCKED_LINE_TYPES as readonly string[],
    /** How recent the password must be for a first binding, and an existing factor for a change. */
    freshFactorSeconds: 300,
  },
  audit: { retentionDays: 400 },
  /** The binding rule (DESIGN.md §5): what adding, replacing or removing a factor needs and starts. */
  factorChange: {
    /** How long factors added after a change stay too new for high-risk actions (the account cool-off). */
    coolOffSeconds: 7 * 86_400,
    /** Whether the very first second factor of an account that never had one starts the cool-off too. */
    coolOffFirstFactor: false,
    /** Removing the last real second factor (backup codes do not count) is refused unless this is set. */
    allowRemovingLastFactor: false,
    /** Adding a passkey to an account that has one needs a passkey step-up (aal2-phr). */
    passkeyToAddPasskey: true,
    /** Security notices (SMS) per account per day; the host's onSecurityEvent hook is always called. */
    noticesPerDay: 5,
  },
  /** How long a revoked session (logout, sign out everywhere) is remembered as revoked: at least the session lifetime. */
  sessions: { revocationTtlSeconds: 30 * 86_400 },
  /**
   * Self-service recovery of an account that lost every factor: a fresh password starts a wait
   * (longer from a new device or country), every channel is told at once and again
   * `remindBeforeHours` before the end, and any signed-in session can cancel it.
   */
  recovery: { enabled: true, waitHours: 72, riskWaitMultiplier: 2, remindBeforeHours: 24, maxStartsPerDay: 2 },
  trustedDevices: { days: 30, cookieName: 'sg.trust' },
  /**
   * Password guessing (first factor): failures counted per account (the submitted username, so an
   * unknown name is treated alike) and per client address, then growing delays; and how failures
   * for unknown accounts are audited (the first per address and window, the rest as one count).
   */
  firstFactor: {
    account: { freeFailures: 5, baseDelaySeconds: 30, maxDelaySeconds: 900, memorySeconds: 3600 },
    address: { freeFailures: 50, baseDelaySeconds: 60, maxDelaySeconds: 900, memorySeconds: 3600 },
    auditWindowSeconds: 60,
    auditAddressesPerWindow: 100,
  },
  policy: { useDefaultRules: true, largeTransferAmount: 1000, onNoStrongFactor: 'require' as OnNoStrongFactor },
  risk: { impossibleTravelKmh: 1000, simSwapWindowDays: 10, deviceCookieName: 'sg.device', decisionCacheSeconds: 300 },
  forwardAuth: {
    rules: [{ pathPrefix: '/', action: 'login' }] as readonly ForwardAuthRule[],
    caseSensitivePaths: false,
    identityHeaders: { user: 'Remote-User', email: 'Remote-Email', name: 'Remote-Name', groups: 'Remote-Groups' } as IdentityHeaderNames,
  },
  actions: {
    login: { level: 'aal2', factors: [...SECOND_FACTORS], maxAgeSeconds: 12 * 3600, bindTransaction: false, highRisk: false },
    transfer: { level: 'aal2', factors: [...SECOND_FACTORS], maxAgeSeconds: 300, bindTransaction: true, highRisk: true },
    factor_change: { level: 'aal2', factors: [...SECOND_FACTORS], maxAgeSeconds: 300, bindTransaction: false, highRisk: true },
    /** An operator in guard.adminRouter(): a passkey, fresh; adminRouter({ requireAssurance, maxAgeSeconds }) may ask more. */
    admin_console: { level: 'aal2-phr', factors: ['hwk', 'swk'], maxAgeSeconds: 900, bindTransaction: false, highRisk: true },
  } satisfies Record<string, ActionRequirement>,
  http: { basePath: '/auth/2fa', loginPath: '/login', csrfCookieName: 'sg.csrf', ipv6PrefixLength: 64 },
  /** Guarded forms re-submitted after the step-up: the host's CSRF field carries a fresh token. */
  forms: { csrfField: '_csrf' },
  /** stepguard's pages inside the host: links out of them, dark colours only when asked for. */
  pages: { links: { home: '/', account: '/account' }, darkMode: false },
} as const;

const seconds = (max: number) => z.number().int().positive().max(max);
const secret = z.string().min(32, 'must be at least 32 characters of high-entropy text (e.g. `openssl rand -base64 48`)');
const fn = <T>(what: string) => z.custom<T>((v) => typeof v === 'function', { message: `must be a function (${what})` });
const object = <T>(what: string, method: string) =>
  z.custom<T>((v) => typeof v === 'object' && v !== null && typeof (v as Record<string, unknown>)[method] === 'function', {
    message: `must be ${what}`,
  });

const actionSchema = z.strictObject({
  level: z.enum(LEVELS).optional(),
  factors: z.array(z.enum(SECOND_FACTORS)).min(1).optional(),
  maxAgeSeconds: seconds(30 * 86_400).optional(),
  bindTransaction: z.boolean().optional(),
  highRisk: z.boolean().optional(),
});

/** An HTTP header name (RFC 9110 token), for headers stepguard sets. */
const headerName = z.string().regex(/^[A-Za-z0-9!#$&'*+.^_`|~-]{1,64}$/, 'must be an HTTP header name such as "Remote-User"');

const storesSchema = z.union([
  z.literal('memory'),
  z.strictObject({
    redis: object<RedisLike>('an ioredis client or Cluster', 'defineCommand').optional(),
    mongo: object<Connection>('a mongoose Connection (mongoose.createConnection(uri))', 'model').optional(),
    keyPrefix: z.string().regex(/^[a-zA-Z0-9_.-]{1,32}$/).optional(),
    /** An audit store to use instead of MongoDB's or memory's (e.g. FileAuditStore). */
    audit: object<AuditStore>('an AuditStore', 'insert').optional(),
    /**
     * For tests and demos only: lets NODE_ENV=production run with phone bindings, factors and the
     * audit trail in memory (lost on restart, different on every node). @default false
     */
    allowMemoryDurableStores: z.boolean().optional(),
  }),
  // `stats` may be left out of a custom set (it predates the port): a memory StatsStore fills in.
  z.strictObject({ custom: object<CustomStepGuardStores>('a StepGuardStores object', 'ping') }),
]);
const country = z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as "US"');

const throttleSchema = z.strictObject({
  freeFailures: z.number().int().min(1).max(10_000).optional(),
  baseDelaySeconds: seconds(86_400).optional(),
  maxDelaySeconds: seconds(86_400).optional(),
  memorySeconds: seconds(30 * 86_400).optional(),
});
const budgets = z.array(z.strictObject({ limit: z.number().int().positive(), windowSeconds: seconds(30 * 86_400) })).min(1);
const ruleMode = z.enum(['enforce', 'observe', 'off']);
const templateSchema = z.strictObject({
  code: z.string().includes('{code}', { message: 'must contain {code}' }).optional(),
  // A transaction's code must show what it approves (PSD2 dynamic linking), on a call too.
  transaction: z.string().includes('{code}', { message: 'must contain {code}' }).includes('{amount}', { message: 'must contain {amount}' }).includes('{payee}', { message: 'must contain {payee}' }).optional(),
  voice: z.string().includes('{digits}', { message: 'must contain {digits}' }).optional(),
  voiceTransaction: z.string().includes('{digits}', { message: 'must contain {digits}' }).includes('{amount}', { message: 'must contain {amount}' }).includes('{payee}', { message: 'must contain {payee}' }).optional(),
  phoneChanged: z.string().optional(),
  backupCodeUsed: z.string().optional(),
  backupCodesRegenerated: z.string().optional(),
  factorChanged: z.string().optional(),
  recoveryStarted: z.string().optional(),
  recoveryReminder: z.string().optional(),
  recoveryCancelled: z.string().optional(),
  recoveryCompleted: z.string().optional(),
});
const pumpingSchema = z.strictObject({
  /** Runs every rule observe-only (log, audit and count, never refuse) unless a rule says otherwise. */
  mode: ruleMode.optional(),
  /** Per-rule modes. */
  rules: z.partialRecord(z.enum(PUMPING_RULES), ruleMode).optional(),
  phoneBudgets: budgets.optional(),
  userBudgets: budgets.optional(),
  ipBudgets: budgets.optional(),
  sessionBudgets: budgets.optional(),
  prefix: z
    .strictObject({ distinctNumbers: z.number().int().positive().optional(), windowSeconds: seconds(7 * 86_400).optional(), dropDigits: z.number().int().min(1).max(6).optional() })
    .optional(),
  ipCountries: z.strictObject({ limit: z.number().int().positive().optional(), windowSeconds: seconds(7 * 86_400).optional() }).optional(),
  breaker: z
    .strictObject({
      minSends: z.number().int().positive().optional(),
      minConversion: z.number().min(0).max(1).optional(),
      windowSeconds: seconds(86_400).optional(),
      openSeconds: seconds(86_400).optional(),
      maxOpenSeconds: seconds(30 * 86_400).optional(),
      whileOpen: z.enum(['bound-numbers-only', 'pause']).optional(),
    })
    .optional(),
  spend: z
    .strictObject({
      priceMicros: z.record(z.string().regex(/^([A-Z]{2}|default)$/, 'keys are country codes or "default"'), z.number().int().min(0)).optional(),
      hourlyCapMicros: z.number().int().positive().optional(),
      dailyCapMicros: z.number().int().positive().optional(),
    })
    .optional(),
});

const pagePath = z.string().regex(/^\/(?!\/)[a-zA-Z0-9/_.~-]*$/, 'must be a path on this site such as "/account"');
const pageLink = z.union([pagePath, z.url({ protocol: /^https?$/ })], { error: 'must be a path such as "/account" or an http(s) URL' });
const pagesSchema = z.strictObject({
  /** A host EJS layout; it gets the stepguard page as `body` (HTML: print it with `<%- body %>`), plus `title` and `lang`. */
  layoutFile: z.string().min(1).optional(),
  /** Renders the page inside the host's layout with any engine: `(view, { body, title, lang, ... }) => html`. */
  render: fn<PagesRenderHook>('(view, { body, title, lang }) => the page HTML').optional(),
  links: z
    .strictObject({
      /** Where "Back to the start" goes. @default '/' */
      home: pageLink.optional(),
      /** Where "Back to your account" goes. @default '/account' */
      account: pageLink.optional(),
      /** The host's login page; stepguard adds `?returnTo=`. @default http.loginPath ('/login') */
      login: pagePath.optional(),
    })
    .optional(),
  /** Follow the browser's dark colour scheme. Off by default, so the pages match a light host. @default false */
  darkMode: z.boolean().optional(),
});

const optionsSchema = z.strictObject({
  environment: z.enum(['production', 'development', 'test']).optional(),
  serviceName: z.string().min(1).max(30).optional(),
  appOrigin: z.url({ protocol: /^https?$/ }).optional(),
  secrets: z
    .strictObject({
      pepper: secret.optional(),
      sessionSecret: secret.optional(),
      /** AES-256-GCM keys by id (base64 of 32 bytes); the current one encrypts, all decrypt. */
      encryptionKeys: z.record(z.string().regex(/^[a-zA-Z0-9_-]{1,16}$/), z.string()).optional(),
      /** @default the last key in encryptionKeys */
      currentEncryptionKeyId: z.string().optional(),
    })
    .optional(),
  stores: storesSchema.optional(),
  sms: z
    .strictObject({
      provider: object<SmsProvider>('an SmsProvider (an object with send())', 'send').optional(),
      codeLength: z.number().int().min(6).max(10).optional(),
      ttlSeconds: seconds(3600).optional(),
      maxAttempts: z.number().int().min(1).max(10).optional(),
      resendInitialSeconds: seconds(3600).optional(),
      resendMaxSeconds: seconds(86_400).optional(),
      /** One provider attempt that has not answered by then fails over to the next provider. */
      providerTimeoutMs: z.number().int().min(50).max(60_000).optional(),
      /** Providers in priority order; an entry may name the countries it is preferred for. */
      providers: z
        .array(
          z.union([
            object<SmsProvider>('an SmsProvider (an object with send())', 'send'),
            z.strictObject({ provider: object<SmsProvider>('an SmsProvider', 'send'), countries: z.array(country).min(1).optional() }),
          ]),
        )
        .min(1)
        .optional(),
      /** A provider that owns the code (TwilioVerifyProvider); when set, codes are not generated here. */
      verifyProvider: object<CodeOwningSmsProvider>('a CodeOwningSmsProvider ({ start(), check() })', 'check').optional(),
      retry: z
        .strictObject({
          backoffSeconds: z.array(z.number().min(0).max(300)).max(10).optional(),
          maxRetryAfterSeconds: z.number().int().min(0).max(3600).optional(),
          deadlineSeconds: z.number().int().min(1).max(300).optional(),
        })
        .optional(),
      /** Templates by locale (merged over the built-in en, de, fr, es, pt). */
      templates: z.record(z.string().regex(/^[a-z]{2}(-[A-Z]{2})?$/, 'must be a locale such as "en" or "pt-BR"'), templateSchema).optional(),
      defaultLocale: z.string().optional(),
      /** The SMS language by the number's country when the user has no setting and the request no Accept-Language; merged over the built-in map (DE/AT/CH → de, FR/BE → fr, ES/MX/AR… → es, PT/BR → pt). */
      localeByCountry: smsLocaleByCountrySchema.optional(),
      /** Android SMS Retriever app hash (11 characters), added before the WebOTP line. */
      androidAppHash: z.string().regex(/^[A-Za-z0-9+/]{11}$/, 'must be the 11-character app hash').optional(),
      deliveryRecordSeconds: seconds(30 * 86_400).optional(),
      pumping: pumpingSchema.optional(),
    })
    .optional(),
  lockout: z
    .strictObject({
      maxConsecutiveFailures: z.number().int().min(1).max(100).optional(),
      lockSeconds: seconds(7 * 86_400).optional(),
      hardLimitFailures: z.number().int().min(1).max(100, 'NIST SP 800-63B allows at most 100 consecutive failures').optional(),
      failureMemorySeconds: seconds(90 * 86_400).optional(),
    })
    .optional(),
  totp: z
    .strictObject({
      /** Steps either side of the device's learned clock offset accepted at once. @default 1 */
      windowSteps: z.number().int().min(0).max(2, 'more than 2 steps either side widens what a guess can hit; let resync learn the offset instead').optional(),
      /** How far (steps, either way) a device's clock may be off and be learned by two consecutive codes; 0 turns it off. @default 10 */
      resyncMaxSteps: z.number().int().min(0).max(20).optional(),
      /** How long the first out-of-window code waits for the next one. @default 300 */
      resyncSeconds: seconds(900).optional(),
    })
    .optional(),
  phone: z
    .strictObject({
      defaultCountry: country.optional(),
      allowedCountries: z.array(country).min(1).optional(),
      maxAccountsPerNumber: z.number().int().min(1).max(20).optional(),
      changeCoolOffSeconds: z.number().int().min(0).max(90 * 86_400).optional(),
      blockedLineTypes: z.array(z.enum(LINE_TYPES)).optional(),
      freshFactorSeconds: seconds(3600).optional(),
    })
    .optional(),
  webauthn: z
    .strictObject({
      /** @default appOrigin's host name */
      rpID: z.string().regex(/^[a-z0-9.-]+$/i).optional(),
      /** @default serviceName */
      rpName: z.string().min(1).optional(),
      /** @default [appOrigin] */
      origins: z.array(z.url({ protocol: /^https?$/ })).min(1).optional(),
    })
    .optional(),
  trustedDevices: z
    .strictObject({ days: z.number().int().min(1).max(365).optional(), cookieName: z.string().regex(/^[a-zA-Z0-9._-]+$/).optional() })
    .optional(),
  audit: z.strictObject({ retentionDays: z.number().int().min(1).max(3650).optional(), ...auditStreamOptionsShape }).optional(),
  firstFactor: z
    .strictObject({
      account: throttleSchema.optional(),
      address: throttleSchema.optional(),
      auditWindowSeconds: seconds(3600).optional(),
      auditAddressesPerWindow: z.number().int().min(1).max(100_000).optional(),
    })
    .optional(),
  factorChange: z
    .strictObject({
      coolOffSeconds: z.number().int().min(0).max(90 * 86_400).optional(),
      coolOffFirstFactor: z.boolean().optional(),
      allowRemovingLastFactor: z.boolean().optional(),
      passkeyToAddPasskey: z.boolean().optional(),
      noticesPerDay: z.number().int().min(0).max(100).optional(),
    })
    .optional(),
  sessions: z.strictObject({ revocationTtlSeconds: seconds(400 * 86_400).optional() }).optional(),
  recovery: z
    .strictObject({
      /** Offer self-service recovery (`<basePath>/recovery`). @default true */
      enabled: z.boolean().optional(),
      /** How long a recovery waits before it may complete. @default 72 */
      waitHours: z.number().int().min(1).max(30 * 24).optional(),
      /** The wait is this many times longer when the request comes from a new device or a new country. @default 2 */
      riskWaitMultiplier: z.number().min(1).max(10).optional(),
      /** The reminder goes out this long before the end; the end is never sooner than this after it. @default 24 */
      remindBeforeHours: z.number().int().min(1).max(29 * 24).optional(),
      /**
       * At most this many recoveries may start per account in a rolling 24 hours (a repeated start
       * of a pending one does not count); more are refused with `recovery_rate_limited`, so a
       * password holder looping start and cancel cannot flood the owner's phone and e-mail. @default 2
       */
      maxStartsPerDay: z.number().int().min(1).max(20).optional(),
    })
    .optional(),
  /**
   * Told about every security event (factor added, replaced or removed; sessions revoked) so the
   * host can e-mail or push the user; errors are logged, never thrown back.
   */
  onSecurityEvent: fn<(event: SecurityEvent) => void | Promise<void>>('(event) => e-mail or push the user').optional(),
  /** Offering and requiring more sign-in methods (the interstitial after a step-up, grace periods). */
  enrolment: enrolmentOptionsSchema.optional(),
  /** Security alerts to the user (new device or country, factor changes, recovery, lockout). */
  alerts: alertOptionsSchema.optional(),
  /** The counts behind the admin overview (flush interval, bucket retention). */
  stats: statsOptionsSchema.optional(),
  policy: z
    .strictObject({
      actions: z.record(z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/), actionSchema).optional(),
      rules: z.array(z.custom<PolicyRule>((v) => typeof v === 'object' && v !== null, { message: 'must be a rule object' })).optional(),
      useDefaultRules: z.boolean().optional(),
      largeTransferAmount: z.number().positive().optional(),
      onNoStrongFactor: z.enum(['require', 'backup_code', 'deny', 'allow_flagged']).optional(),
      /**
       * Identity providers whose MFA counts here when the first factor is a sign-in with them
       * (`guard.firstFactor({ upstream })`): which of their RFC 8176 `amr` values count as which
       * second factor, dated at their `auth_time`. @default [] (upstream MFA counts for nothing)
       */
      trustedIssuers: z
        .array(
          z.strictObject({
            issuer: z.url({ error: 'must be the issuer URL exactly as the provider puts it in its tokens' }),
            amr: z.record(z.string().min(1).max(32), z.enum(SECOND_FACTORS, { error: `must be one of ${SECOND_FACTORS.join(', ')}` })),
          }),
        )
        .optional(),
    })
    .optional(),
  risk: z
    .strictObject({
      geo: object<GeoLookup>('a GeoLookup ({ lookup(ip) })', 'lookup').optional(),
      phoneIntel: object<PhoneIntelProvider>('a PhoneIntelProvider ({ lookup(e164) })', 'lookup').optional(),
      ipDenyList: z.array(z.string()).optional(),
      torExitList: z.array(z.string()).optional(),
      datacenterList: z.array(z.string()).optional(),
      impossibleTravelKmh: z.number().positive().optional(),
      simSwapWindowDays: z.number().int().min(1).max(365).optional(),
      deviceCookieName: z.string().regex(/^[a-zA-Z0-9._-]+$/).optional(),
      decisionCacheSeconds: z.number().int().min(0).max(3600).optional(),
    })
    .optional(),
  forwardAuth: z
    .strictObject({
      /** Names of the identity headers an allowed request answers with (values from `getIdentity`). */
      identityHeaders: z
        .strictObject({
          user: headerName.optional(),
          email: headerName.optional(),
          name: headerName.optional(),
          groups: headerName.optional(),
        })
        .optional(),
      rules: z
        .array(
          z.strictObject({
            host: z.string().min(1).optional(),
            pathPrefix: z.string().startsWith('/'),
            action: z.string(),
          }),
        )
        .min(1)
        .optional(),
      /**
       * Match path prefixes case-sensitively. Leave false (the default) unless every upstream
       * behind the proxy routes paths case-sensitively: Express, IIS and many others do not.
       */
      caseSensitivePaths: z.boolean().optional(),
    })
    .optional(),
  /**
   * A guarded form refused for a step-up is re-submitted from a confirmation page after it
   * (`<basePath>/continue/<id>`), with a fresh CSRF token of the host's in `csrfField`.
   */
  forms: z
    .strictObject({
      /** The host's CSRF form field: left out of the stashed fields, filled with a fresh token. @default '_csrf' */
      csrfField: z.string().regex(/^[A-Za-z0-9_.:[\]-]{1,64}$/, 'must be a form field name such as "_csrf"').optional(),
      /**
       * A fresh token for the host's CSRF check, for the confirmation page (it runs inside
       * guard.router(): middleware the hook needs, like csurf, must run before it).
       * @default stepguard's own `guard.csrf.token(req, res)` (for hosts using `guard.csrf.protect`)
       */
      csrfToken: fn<FormsCsrfToken>('(req, res) => a CSRF token for your own routes').optional(),
    })
    .optional(),
  http: z
    .strictObject({
      basePath: z.string().regex(/^\/[a-zA-Z0-9/_-]*$/).optional(),
      loginPath: z.string().regex(/^\/[a-zA-Z0-9/_-]*$/).optional(),
      csrfCookieName: z.string().regex(/^[a-zA-Z0-9._-]+$/).optional(),
      secureCookies: z.boolean().optional(),
      viewsDirectory: z.string().optional(),
      /** Origins (besides appOrigin) a browser may be sent back to after a step-up (forward-auth). */
      allowedReturnOrigins: z.array(z.url({ protocol: /^https?$/ })).optional(),
      /**
       * Per-address budgets count an IPv6 client by this many leading bits (one customer's
       * network is typically a /64, and picking another address inside it is free). @default 64
       */
      ipv6PrefixLength: z.number().int().min(32).max(128).optional(),
    })
    .optional(),
  pages: pagesSchema.optional(),
  getUserId: fn<(req: Request) => string | undefined>('(req) => the signed-in user id').optional(),
  /** The signed-in user's language setting, if the app keeps one. @default req.user.locale */
  getUserLocale: fn<(req: Request) => string | undefined>('(req) => a locale such as "de"').optional(),
  /**
   * Who a user is, for forward-auth's identity headers and the account name authenticator apps
   * show: `(userId) => ({ username, email, name, groups })`. @default the internal id only
   */
  getIdentity: fn<(userId: string) => UserIdentity | null | undefined | Promise<UserIdentity | null | undefined>>('(userId) => ({ username, email, name, groups })').optional(),
  clock: object<Clock>('a Clock ({ nowMs() })', 'nowMs').optional(),
  random: object<RandomSource>('a RandomSource ({ int(), bytes() })', 'bytes').optional(),
  logger: object<Logger>('a pino-style logger', 'warn').optional(),
});

export type StepGuardOptions = z.input<typeof optionsSchema>;

export type StepGuardConfig = Readonly<{
  environment: 'production' | 'development' | 'test';
  serviceName: string;
  appOrigin: string;
  webOtpHost: string;
  secrets: Readonly<{ pepper: string; sessionSecret: string }>;
  keyring: EncryptionKeyring;
  generatedSecrets: readonly string[];
  stores: z.output<typeof storesSchema>;
  sms: Readonly<{
    /** Empty when none was given: createStepGuard then uses the console provider. */
    routes: readonly SmsRoute[];
    verifyProvider: CodeOwningSmsProvider | undefined;
    codeLength: number;
    ttlSeconds: number;
    maxAttempts: number;
    resendInitialSeconds: number;
    resendMaxSeconds: number;
    providerTimeoutMs: number;
    retry: Readonly<{ backoffSeconds: readonly number[]; maxRetryAfterSeconds: number; deadlineSeconds: number }>;
    templates: Readonly<Record<string, SmsTemplateSet>>;
    defaultLocale: string;
    localeByCountry: Readonly<Record<string, string>>;
    androidAppHash: string | undefined;
    deliveryRecordSeconds: number;
    pumping: PumpingConfig;
  }>;
  lockout: Readonly<LockoutPolicy>;
  totp: Readonly<{ windowSteps: number; resyncMaxSteps: number; resyncSeconds: number }>;
  phone: Readonly<{
    defaultCountry: string | undefined;
    allowedCountries: readonly string[] | undefined;
    maxAccountsPerNumber: number;
    changeCoolOffSeconds: number;
    blockedLineTypes: readonly string[];
    freshFactorSeconds: number;
  }>;
  audit: Readonly<{ retentionDays: number } & AuditStreamConfig>;
  firstFactor: Readonly<{
    account: Readonly<FirstFactorThrottleOptions>;
    address: Readonly<FirstFactorThrottleOptions>;
    auditWindowSeconds: number;
    auditAddressesPerWindow: number;
  }>;
  factorChange: Readonly<{ coolOffSeconds: number; coolOffFirstFactor: boolean; allowRemovingLastFactor: boolean; passkeyToAddPasskey: boolean; noticesPerDay: number }>;
  sessions: Readonly<{ revocationTtlSeconds: number }>;
  recovery: Readonly<{ enabled: boolean; waitHours: number; riskWaitMultiplier: number; remindBeforeHours: number; maxStartsPerDay: number }>;
  onSecurityEvent: ((event: SecurityEvent) => void | Promise<void>) | undefined;
  enrolment: EnrolmentConfig;
  alerts: AlertConfig;
  stats: StatsConfig;
  trustedDevices: Readonly<{ days: number; cookieName: string }>;
  webauthn: Readonly<{ rpID: string; rpName: string; origins: readonly string[] }>;
  actions: Readonly<Record<string, ActionRequirement>>;
  policy: Readonly<{ rules: readonly PolicyRule[]; onNoStrongFactor: OnNoStrongFactor; largeTransferAmount: number; trustedIssuers: readonly TrustedIssuer[] }>;
  risk: Readonly<{
    geo: GeoLookup | undefined;
    phoneIntel: PhoneIntelProvider | undefined;
    ipDenyList: IpList;
    torExitList: IpList;
    datacenterList: IpList;
    impossibleTravelKmh: number;
    simSwapWindowDays: number;
    deviceCookieName: string;
    decisionCacheSeconds: number;
  }>;
  forwardAuth: Readonly<{ rules: readonly CanonicalForwardAuthRule[]; caseSensitivePaths: boolean; identityHeaders: Readonly<IdentityHeaderNames> }>;
  getIdentity: ((userId: string) => UserIdentity | null | undefined | Promise<UserIdentity | null | undefined>) | undefined;
  forms: Readonly<{
    csrfField: string;
    csrfToken: (FormsCsrfToken) | undefined;
  }>;
  http: Readonly<{
    basePath: string;
    loginPath: string;
    csrfCookieName: string;
    secureCookies: boolean;
    viewsDirectory: string | undefined;
    allowedReturnOrigins: readonly string[];
    /** Leading bits of an IPv6 client address that per-address budgets count it by. */
    ipv6PrefixLength: number;
  }>;
  pages: Readonly<{
    /** Absolute path of the host's EJS layout, when one was given. */
    layoutFile: string | undefined;
    render: PagesRenderHook | undefined;
    links: Readonly<{ home: string; account: string; login: string }>;
    darkMode: boolean;
  }>;
  getUserId: (req: Request) => string | undefined;
  getUserLocale: (req: Request) => string | undefined;
  clock: Clock;
  random: RandomSource;
  logger: Logger | undefined;
}>;

/**
 * Validates options once, at start-up, fills in defaults and freezes the result. Errors name
 * the option, say what was wrong and, for a misspelt key, suggest the right one.
 */
export function parseStepGuardOptions(options: StepGuardOptions = {}): StepGuardConfig {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) throw new StepGuardConfigError(formatIssues(parsed.error.issues));
  const o = parsed.data;
  const random = o.random ?? cryptoRandom;
  const environment = o.environment ?? environmentFromNodeEnv(process.env.NODE_ENV);

  const generatedSecrets: string[] = [];
  const secretOr = (name: 'pepper' | 'sessionSecret') => {
    const given = o.secrets?.[name];
    if (given) return given;
    if (environment === 'production') {
      throw new StepGuardConfigError(
        `secrets.${name}: required when NODE_ENV=production. Generate one with \`openssl rand -base64 48\`, keep it in ` +
          'your secret store, and pass it (the same value on every app node).',
      );
    }
    generatedSecrets.push(name);
    return random.bytes(32).toString('base64url');
  };
  const secrets = Object.freeze({ pepper: secretOr('pepper'), sessionSecret: secretOr('sessionSecret') });
  const keyring = buildKeyring(o.secrets?.encryptionKeys, o.secrets?.currentEncryptionKeyId, environment, random, generatedSecrets);

  const smsOptions = o.sms ?? {};
  const { provider: singleProvider, providers, pumping: pumpingOptions, templates: templateOptions, retry: retryOptions, localeByCountry: localeByCountryOptions, ...smsScalars } = smsOptions;
  if (singleProvider && providers) throw new StepGuardConfigError('sms.provider: give either sms.provider or sms.providers, not both.');
  const routes: SmsRoute[] = (providers ?? (singleProvider ? [singleProvider] : [])).map((entry) =>
    'provider' in entry && typeof (entry as { send?: unknown }).send !== 'function' ? (entry as SmsRoute) : { provider: entry as SmsProvider },
  );
  const names = routes.map((r) => r.provider.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) throw new StepGuardConfigError(`sms.providers: two providers are named "${duplicate}"; give each a distinct name (receipts are routed by it).`);
  const templates = mergeTemplates(templateOptions);
  const sms = {
    ...DEFAULTS.sms,
    ...stripUndefined(smsScalars),
    routes,
    verifyProvider: smsOptions.verifyProvider,
    retry: { ...DEFAULTS.sms.retry, ...stripUndefined(retryOptions ?? {}) },
    templates,
    androidAppHash: smsOptions.androidAppHash,
    pumping: buildPumpingConfig(pumpingOptions, o.http?.ipv6PrefixLength ?? DEFAULTS.http.ipv6PrefixLength),
    localeByCountry: buildSmsLocaleByCountry(localeByCountryOptions, Object.keys(templates)),
  };
  if (!templates[sms.defaultLocale]) {
    throw new StepGuardConfigError(`sms.defaultLocale: no templates for "${sms.defaultLocale}"; known: ${Object.keys(templates).join(', ')}.`);
  }
  if (sms.resendMaxSeconds < sms.resendInitialSeconds) {
    throw new StepGuardConfigError('sms.resendMaxSeconds: must be at least sms.resendInitialSeconds.');
  }
  const lockout = { ...DEFAULTS.lockout, ...stripUndefined(o.lockout ?? {}) };
  if (lockout.hardLimitFailures < lockout.maxConsecutiveFailures) {
    throw new StepGuardConfigError('lockout.hardLimitFailures: must be at least lockout.maxConsecutiveFailures.');
  }

  // No prototype: a name from a request ("constructor", "__proto__") never finds an inherited value.
  const actions: Record<string, ActionRequirement> = Object.create(null);
  for (const [name, base] of Object.entries(DEFAULTS.actions)) actions[name] = { ...base, factors: [...base.factors] };
  for (const [name, given] of Object.entries(o.policy?.actions ?? {})) {
    const base = actions[name] ?? DEFAULTS.actions.login;
    actions[name] = Object.freeze({ ...base, ...stripUndefined(given) });
  }

  const appOrigin = new URL(o.appOrigin ?? DEFAULTS.appOrigin).origin;
  const pages = buildPagesConfig(o.pages, o.http?.loginPath);

  const policyOptions = { ...DEFAULTS.policy, ...stripUndefined(o.policy ?? {}) };
  const rules = [
    ...(policyOptions.useDefaultRules ? defaultRules({ largeTransferAmount: policyOptions.largeTransferAmount }) : []),
    ...(o.policy?.rules ?? []),
  ];
  const ruleProblems = validatePolicyRules(rules, Object.keys(actions));
  if (ruleProblems.length) throw new StepGuardConfigError(`Invalid stepguard options:\n${ruleProblems.join('\n')}`);
  // Rules are matched against canonical requests, so they are made canonical here (same functions).
  const forwardAuthRules = (o.forwardAuth?.rules ?? DEFAULTS.forwardAuth.rules).map((rule, i) => {
    if (!Object.hasOwn(actions, rule.action)) {
      throw new StepGuardConfigError(`forwardAuth.rules[${i}].action: unknown action "${rule.action}"; known: ${Object.keys(actions).join(', ')}.`);
    }
    const canonical = canonicalForwardAuthRule(rule);
    if (!canonical.ok) throw new StepGuardConfigError(`forwardAuth.rules[${i}].${canonical.field}: ${canonical.problem}.`);
    return canonical.rule;
  });
  const risk = { ...DEFAULTS.risk, ...stripUndefined(o.risk ?? {}) };
  const list = (entries: string[] | undefined, name: string) => {
    try {
      return ipListFrom(entries ?? [], `risk.${name}`);
    } catch (err) {
      throw new StepGuardConfigError((err as Error).message);
    }
  };
  const webOtpHost = webOtpHostOf(appOrigin);
  const serviceName = o.serviceName ?? DEFAULTS.serviceName;
  checkSmsFitsOneSegment(serviceName, webOtpHost, sms.codeLength, templates, sms.androidAppHash);
  if (environment === 'production') {
    checkProductionConfig({ secrets, encryptionKeys: o.secrets?.encryptionKeys ?? {}, keyring, stores: o.stores ?? 'memory', hasSmsProvider: routes.length > 0 });
  }

  return deepFreeze({
    environment,
    serviceName,
    appOrigin,
    webOtpHost,
    secrets,
    keyring,
    generatedSecrets,
    stores: o.stores ?? 'memory',
    sms,
    lockout,
    totp: { ...DEFAULTS.totp, ...stripUndefined(o.totp ?? {}) },
    phone: { ...DEFAULTS.phone, ...stripUndefined(o.phone ?? {}) },
    audit: { retentionDays: o.audit?.retentionDays ?? DEFAULTS.audit.retentionDays, ...buildAuditStreamConfig(o.audit, environment) },
    firstFactor: buildFirstFactorConfig(o.firstFactor),
    factorChange: { ...DEFAULTS.factorChange, ...stripUndefined(o.factorChange ?? {}) },
    sessions: { ...DEFAULTS.sessions, ...stripUndefined(o.sessions ?? {}) },
    recovery: buildRecoveryConfig(o.recovery),
    onSecurityEvent: o.onSecurityEvent,
    enrolment: buildEnrolmentConfig(o.enrolment, o.getIdentity),
    alerts: buildAlertConfig(o.alerts),
    stats: buildStatsConfig(o.stats),
    trustedDevices: { ...DEFAULTS.trustedDevices, ...stripUndefined(o.trustedDevices ?? {}) },
    webauthn: {
      rpID: o.webauthn?.rpID ?? new URL(appOrigin).hostname,
      rpName: o.webauthn?.rpName ?? serviceName,
      origins: (o.webauthn?.origins ?? [appOrigin]).map((u) => new URL(u).origin),
    },
    actions,
    policy: { rules, onNoStrongFactor: policyOptions.onNoStrongFactor, largeTransferAmount: policyOptions.largeTransferAmount, trustedIssuers: o.policy?.trustedIssuers ?? [] },
    risk: {
      ...risk,
      geo: o.risk?.geo,
      phoneIntel: o.risk?.phoneIntel,
      ipDenyList: list(o.risk?.ipDenyList, 'ipDenyList'),
      torExitList: list(o.risk?.torExitList, 'torExitList'),
      datacenterList: list(o.risk?.datacenterList, 'datacenterList'),
    },
    forwardAuth: {
      rules: forwardAuthRules,
      caseSensitivePaths: o.forwardAuth?.caseSensitivePaths ?? DEFAULTS.forwardAuth.caseSensitivePaths,
      identityHeaders: { ...DEFAULTS.forwardAuth.identityHeaders, ...stripUndefined(o.forwardAuth?.identityHeaders ?? {}) },
    },
    getIdentity: o.getIdentity,
    forms: { csrfField: o.forms?.csrfField ?? DEFAULTS.forms.csrfField, csrfToken: o.forms?.csrfToken },
    http: {
      ...DEFAULTS.http,
      ...stripUndefined(o.http ?? {}),
      // One login page: pages.links.login and http.loginPath name the same one.
      loginPath: pages.links.login,
      secureCookies: o.http?.secureCookies ?? environment === 'production',
      viewsDirectory: o.http?.viewsDirectory,
      allowedReturnOrigins: [appOrigin, ...(o.http?.allowedReturnOrigins ?? []).map((u) => new URL(u).origin)],
    },
    pages,
    getUserId: o.getUserId ?? defaultGetUserId,
    getUserLocale: o.getUserLocale ?? defaultGetUserLocale,
    clock: o.clock ?? systemClock,
    random,
    logger: o.logger,
  });
}

function buildKeyring(
  given: Record<string, string> | undefined,
  currentId: string | undefined,
  environment: string,
  random: RandomSource,
  generated: string[],
): EncryptionKeyring {
  const entries = Object.entries(given ?? {});
  if (entries.length === 0) {
    if (environment === 'production') {
      throw new StepGuardConfigError(
        'secrets.encryptionKeys: required when NODE_ENV=production (TOTP secrets are encrypted at rest). ' +
          'Generate a key with `openssl rand -base64 32` and pass { k1: "<key>" }.',
      );
    }
    generated.push('encryptionKeys');
    return { currentKeyId: 'dev', keys: { dev: random.bytes(32) } };
  }
  const keys: Record<string, Buffer> = {};
  for (const [id, value] of entries) {
    const key = Buffer.from(value, 'base64');
    if (key.length !== 32) throw new StepGuardConfigError(`secrets.encryptionKeys.${id}: must be 32 bytes in base64 (\`openssl rand -base64 32\`).`);
    keys[id] = key;
  }
  const current = currentId ?? (entries.at(-1) as [string, string])[0];
  if (!keys[current]) throw new StepGuardConfigError(`secrets.currentEncryptionKeyId: "${current}" is not in secrets.encryptionKeys.`);
  return { currentKeyId: current, keys };
}

function buildPagesConfig(given: z.output<typeof pagesSchema> | undefined, httpLoginPath: string | undefined): StepGuardConfig['pages'] {
  const g = given ?? {};
  if (g.layoutFile !== undefined && g.render !== undefined) {
    throw new StepGuardConfigError('pages.layoutFile: give either pages.layoutFile (an EJS layout) or pages.render (a hook for any engine), not both.');
  }
  let layoutFile: string | undefined;
  if (g.layoutFile !== undefined) {
    layoutFile = resolvePath(g.layoutFile);
    if (!existsSync(layoutFile) || !statSync(layoutFile).isFile()) {
      throw new StepGuardConfigError(
        `pages.layoutFile: no file at "${layoutFile}". Give the path of an EJS layout (absolute, or relative to ${process.cwd()}) that prints <%- body %>.`,
      );
    }
  }
  const login = g.links?.login;
  if (login !== undefined && httpLoginPath !== undefined && login !== httpLoginPath) {
    throw new StepGuardConfigError(
      `pages.links.login: "${login}" and http.loginPath "${httpLoginPath}" name different login pages; give only pages.links.login (http.loginPath is its older name).`,
    );
  }
  return {
    layoutFile,
    render: g.render,
    links: {
      home: g.links?.home ?? DEFAULTS.pages.links.home,
      account: g.links?.account ?? DEFAULTS.pages.links.account,
      login: login ?? httpLoginPath ?? DEFAULTS.http.loginPath,
    },
    darkMode: g.darkMode ?? DEFAULTS.pages.darkMode,
  };
}

function buildRecoveryConfig(given: z.output<typeof optionsSchema>['recovery']): StepGuardConfig['recovery'] {
  const recovery = { ...DEFAULTS.recovery, ...stripUndefined(given ?? {}) };
  if (recovery.remindBeforeHours >= recovery.waitHours) {
    throw new StepGuardConfigError(
      `recovery.remindBeforeHours: must be less than recovery.waitHours (${recovery.waitHours}), so the reminder goes out during the wait; got ${recovery.remindBeforeHours}.`,
    );
  }
  return recovery;
}

function defaultGetUserLocale(req: Request): string | undefined {
  const locale = (req as Request & { user?: { locale?: unknown } }).user?.locale;
  return typeof locale === 'string' ? locale : undefined;
}

function defaultGetUserId(req: Request): string | undefined {
  const user = (req as Request & { user?: { id?: unknown } }).user;
  return user && (typeof user.id === 'string' || typeof user.id === 'number') ? String(user.id) : undefined;
}

function environmentFromNodeEnv(nodeEnv: string | undefined): StepGuardConfig['environment'] {
  return nodeEnv === 'production' ? 'production' : nodeEnv === 'test' ? 'test' : 'development';
}

function mergeTemplates(given: Record<string, Partial<SmsTemplateSet>> | undefined): Record<string, SmsTemplateSet> {
  // No prototype: a locale from a request never finds an inherited value.
  const merged: Record<string, SmsTemplateSet> = Object.create(null);
  for (const [locale, set] of Object.entries(BUILT_IN_TEMPLATES)) merged[locale] = { ...set };
  for (const [locale, set] of Object.entries(given ?? {})) {
    const base = merged[locale] ?? merged[locale.split('-')[0] as string] ?? (BUILT_IN_TEMPLATES.en as SmsTemplateSet);
    merged[locale] = { ...base, ...stripUndefined(set) };
  }
  return merged;
}

export type FirstFactorThrottleOptions = { freeFailures: number; baseDelaySeconds: number; maxDelaySeconds: number; memorySeconds: number };

function buildFirstFactorConfig(given: z.output<typeof optionsSchema>['firstFactor']): StepGuardConfig['firstFactor'] {
  const { account, address, ...rest } = given ?? {};
  const throttle = (name: 'account' | 'address', options: z.output<typeof throttleSchema> | undefined) => {
    const merged = { ...DEFAULTS.firstFactor[name], ...stripUndefined(options ?? {}) };
    if (merged.maxDelaySeconds < merged.baseDelaySeconds) {
      throw new StepGuardConfigError(`firstFactor.${name}.maxDelaySeconds: must be at least firstFactor.${name}.baseDelaySeconds.`);
    }
    return merged;
  };
  return {
    account: throttle('account', account),
    address: throttle('address', address),
    auditWindowSeconds: rest.auditWindowSeconds ?? DEFAULTS.firstFactor.auditWindowSeconds,
    auditAddressesPerWindow: rest.auditAddressesPerWindow ?? DEFAULTS.firstFactor.auditAddressesPerWindow,
  };
}

function buildPumpingConfig(given: z.output<typeof pumpingSchema> | undefined, ipv6PrefixLength: number): PumpingConfig {
  const d = PUMPING_DEFAULTS;
  const g = given ?? {};
  const modes = Object.fromEntries(PUMPING_RULES.map((rule) => [rule, g.rules?.[rule] ?? g.mode ?? d.modes[rule]])) as Record<PumpingRule, RuleMode>;
  const breaker = { ...d.breaker, ...stripUndefined(g.breaker ?? {}) };
  if (breaker.maxOpenSeconds < breaker.openSeconds) throw new StepGuardConfigError('sms.pumping.breaker.maxOpenSeconds: must be at least openSeconds.');
  const spend = { ...d.spend, ...stripUndefined(g.spend ?? {}) };
  if ((spend.hourlyCapMicros || spend.dailyCapMicros) && Object.keys(spend.priceMicros).length === 0) {
    throw new StepGuardConfigError('sms.pumping.spend: a spend cap needs a price table (priceMicros: { default: 50000, GB: 40000, ... }).');
  }
  return {
    modes,
    phoneBudgets: g.phoneBudgets ?? d.phoneBudgets,
    userBudgets: g.userBudgets ?? d.userBudgets,
    ipBudgets: g.ipBudgets ?? d.ipBudgets,
    ipv6PrefixLength,
    sessionBudgets: g.sessionBudgets ?? d.sessionBudgets,
    prefix: { ...d.prefix, ...stripUndefined(g.prefix ?? {}) },
    ipCountries: { ...d.ipCountries, ...stripUndefined(g.ipCountries ?? {}) },
    breaker,
    spend,
  };
}

/**
 * Every locale's code message must fit one segment with the longest code; so must its transaction
 * message with a short payee, so that an ordinary transfer costs one segment. A longer payee, or
 * one GSM-7 lacks, makes a transfer's message longer at run time (UCS-2, more segments): a payee
 * is never folded or cut, since the person must see exactly which payee the code approves.
 */
function checkSmsFitsOneSegment(
  serviceName: string,
  webOtpHost: string,
  codeLength: number,
  templates: Record<string, SmsTemplateSet>,
  androidAppHash: string | undefined,
): void {
  const code = '0'.repeat(codeLength);
  for (const [locale, set] of Object.entries(templates)) {
    const base = { code, serviceName, webOtpHost, templates: set, ...(androidAppHash ? { androidAppHash } : {}) };
    const samples: [string, string][] = [
      ['code', renderSmsCodeMessage(base)],
      ['transaction', renderSmsCodeMessage({ ...base, transaction: { amount: '1,000,000.00', payee: 'ABCDEF' } })],
    ];
    for (const [which, text] of samples) {
      const { segments, encoding } = countSmsSegments(text);
      if (segments > 1) {
        throw new StepGuardConfigError(
          `sms.templates.${locale}.${which}: with a ${codeLength}-digit code the SMS needs ${segments} ${encoding} segments (${text.length} characters); ` +
            'shorten the template, serviceName or appOrigin\'s host so it fits one.',
        );
      }
    }
  }
}

type Issue = { code: string; path: PropertyKey[]; message: string; keys?: string[] };

function formatIssues(issues: readonly Issue[]): string {
  const lines = issues.map((issue) => {
    const where = issue.path.length ? issue.path.map(String).join('.') : '(options)';
    if (issue.code === 'unrecognized_keys' && issue.keys) {
      return issue.keys
        .map((key) => {
          const known = knownKeysAt(issue.path);
          const hint = suggest(key, known);
          const prefix = issue.path.length ? `${where}.` : '';
          return `${prefix}${key}: unknown option.${hint ? ` Did you mean \`${hint}\`?` : ''} Known options here: ${known.join(', ')}.`;
        })
        .join('\n');
    }
    return `${where}: ${issue.message}`;
  });
  return `Invalid stepguard options:\n${lines.join('\n')}`;
}

function knownKeysAt(path: PropertyKey[]): string[] {
  let schema: z.ZodType = optionsSchema;
  for (const segment of path) {
    const inner = unwrap(schema);
    if (inner instanceof z.ZodObject) schema = inner.shape[segment as string] as z.ZodType;
    else if (inner instanceof z.ZodRecord) schema = inner.valueType as z.ZodType;
    else return [];
  }
  const inner = unwrap(schema);
  return inner instanceof z.ZodObject ? Object.keys(inner.shape) : [];
}

function unwrap(schema: z.ZodType): z.ZodType {
  let s: z.ZodType = schema;
  while (s instanceof z.ZodOptional) s = s.unwrap() as z.ZodType;
  return s;
}

/** The known key closest to `key` by edit distance, when close enough to be a typo. */
function suggest(key: string, known: string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = editDistance(key.toLowerCase(), name.toLowerCase());
    if (!best || distance < best.distance) best = { name, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(key.length / 3)) ? best.name : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    let previous = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j += 1) {
      const current = row[j] as number;
      row[j] = Math.min(current + 1, (row[j - 1] as number) + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length] as number;
}

function stripUndefined<T extends object>(value: T): { [K in keyof T]-?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as never;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    // Injected collaborators (clock, stores, provider, logger) are the caller's; freeze only our data.
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto === Object.prototype || proto === null || Array.isArray(value)) {
      Object.freeze(value);
      for (const v of Object.values(value as object)) deepFreeze(v);
    }
  }
  return value;
}
