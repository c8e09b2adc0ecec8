import { createHmac } from 'node:crypto';
import type { Request, Response } from 'express';
import type { AuditWriter } from '../audit/createAuditWriter';
import type { StepGuardConfig } from '../config';
import { constantTimeEqual } from '../core/otp/constantTimeEqual';
import { boundNumberFacts } from '../core/phone/numberFacts';
import { evaluatePolicy } from '../core/policy/evaluatePolicy';
import type { PolicyDecision, RiskSignals } from '../core/policy/types';
import type { ActionRequirement, SecondFactorId } from '../core/assurance/types';
import { newRandomId } from '../core/random';
import type { TransactionDetails } from '../core/transaction/hashTransaction';
import { readCookie } from '../http/readCookie';
import { requestContext } from '../http/requestContext';
import { ensureState, readState } from '../http/sessionState';
import { inCoolOff } from '../service/inCoolOff';
import { listEnrolledFactors } from '../service/listEnrolledFactors';
import type { StepGuardStores } from '../stores/types';
import { distanceKm } from './distanceKm';
import { decisionContextIp, normalizeIp } from './ipList';
import { decodeRiskDecisionCache, encodeRiskDecisionCache, type CachedRiskEntry } from './riskDecisionCache';
import type { GeoPoint } from './types';

export type RiskEngine = {
  /**
   * The policy decision for `action` on this request. Evaluations without transaction details are
   * kept in the session for `decisionCacheSeconds` (their signals, as one short string: see
   * riskDecisionCache.ts) with the IP and the exact device cookie verified when they were made.
   * A request from that IP carrying that very cookie reuses them: no store round trip and no
   * device-cookie HMAC (issue 12). Another IP, another, forged or missing cookie re-evaluates.
   */
  decide(req: Request, res: Response, userId: string, action: string, details?: TransactionDetails): Promise<PolicyDecision>;
  /**
   * The decision `decide` would reuse from the session's cache for this request (same IP, same
   * device cookie, fresh enough), without reading anything; `undefined` when it would read. The
   * send path asks first: a decision that needs the store's signals is read alongside the send's
   * budget check instead of before it (issue 12).
   */
  reusableDecision(req: Request, res: Response, userId: string, action: string, details?: TransactionDetails): PolicyDecision | undefined;
  /**
   * Whether the request's address alone is on a list the policy judges (deny list, Tor exits,
   * data centres), known without a read. The send path asks the policy first for these: a send
   * it is likely to refuse must not reach the anti-pumping guard, whose country breaker would
   * count it while it is in flight (red team, session 7).
   */
  listedAddress(req: Request): boolean;
  /**
   * After a successful second factor: remember this device and where it is. Cached decisions
   * made in this request's context are re-derived from their kept signals with what the success
   * just changed (the device and country now known, the last location here, no failures), so
   * the next guarded request needs no risk read (issue 12); any other cached decision is dropped.
   * The session is updated before this returns; the promise is the store write, which may ride
   * alongside the rest of the answer (see finishStepUp).
   */
  recordSuccess(req: Request, userId: string): Promise<void>;
  /**
   * The decision the session's cache holds for `action`, whatever the request's context or the
   * cache's age (finishStepUp asks what the policy wanted for the step-up that just succeeded);
   * `undefined` when there is none or the cache is unreadable.
   */
  cachedDecision(req: Request, userId: string, action: string): PolicyDecision | undefined;
  /**
   * The account lock as this request's risk signals read it, if they were read (not cached):
   * the send path uses it instead of reading the same key again (issue 12).
   */
  lockReadIn(req: Request): { lockedUntilMs: number | null } | undefined;
  /** The signals for this request, for explanation and tests. */
  collectSignals(req: Request, userId: string, details?: TransactionDetails): Promise<RiskSignals>;
  /**
   * At sign-in (the first factor): whether this browser and this country are new to an account
   * that has stepped up before (an account without history has nothing to compare with).
   */
  signInSignals(req: Request, userId: string): Promise<{ newDevice: boolean; newCountry: boolean; country: string | null }>;
};

const BACKUP_CODE_SIGNAL_MS = 3600_000;

export function createRiskEngine(options: {
  config: StepGuardConfig;
  stores: StepGuardStores;
  audit: AuditWriter;
  /** Told about every fresh (uncached) decision: metrics. */
  onDecision?: (action: string, outcome: string, reason: string) => void;
}): RiskEngine {
  const { config, stores, audit, onDecision } = options;
  const { risk } = config;
  const sign = (id: string) => createHmac('sha256', config.secrets.sessionSecret).update(`device:${id}`).digest('base64url').slice(0, 22);
  const lockReads = new WeakMap<Request, { lockedUntilMs: number | null }>();
  const deviceHash = (id: string) => createHmac('sha256', config.secrets.pepper).update(`device:${id}`).digest('base64url').slice(0, 32);

  type Device = { id: string; /** The cookie's value as signed: `<id>.<mac>`. */ cookie: string };

  /** The device from the signed cookie, or `null` when there is none or it is forged. */
  function readDevice(req: Request): Device | null {
    const raw = readCookie(req, risk.deviceCookieName);
    const [id, mac] = raw?.split('.') ?? [];
    if (!id || !mac || !/^[A-Za-z0-9_-]{22}$/.test(id)) return null;
    const expected = sign(id);
    return constantTimeEqual(mac, expected) ? { id, cookie: `${id}.${expected}` } : null;
  }

  function ensureDevice(req: Request, res: Response): Device & { fresh: boolean } {
    const existing = readDevice(req) ?? (res.locals.stepguardDevice as Device | undefined);
    if (existing) return { ...existing, fresh: false };
    const id = newRandomId(config.random);
    const device = { id, cookie: `${id}.${sign(id)}` };
    res.locals.stepguardDevice = device;
    res.cookie(risk.deviceCookieName, device.cookie, {
      httpOnly: true,
      sameSite: 'lax',
      secure: config.http.secureCookies,
      path: '/',
      maxAge: 400 * 86_400_000,
    });
    return { ...device, fresh: true };
  }

  /**
   * The session's cached evaluation for `action` when this request is in its context: the same
   * IP, the very device cookie value verified when it was made (compared in constant time, so no
   * HMAC is needed: a cookie equal to a verified one is verified), and younger than the cache time.
   */
  function reusableDecision(req: Request, res: Response, userId: string, action: string, details?: TransactionDetails): PolicyDecision | undefined {
    if (!config.actions[action]) throw new TypeError(`risk: unknown action ${action}`);
    // The same signals give the same decision (the policy is pure): re-derived, not stored.
    const cached = details ? undefined : cachedEntry(req, res, ensureState(req, userId, config.random).risk, decisionContextIp(req.ip ?? ''), action, config.clock.nowMs());
    return cached ? evaluate(action, cached.signals, cached.enrolledFactors) : undefined;
  }

  function cachedEntry(req: Request, res: Response, stored: unknown, ip: string, action: string, nowMs: number): CachedRiskEntry | undefined {
    const cache = decodeRiskDecisionCache(stored);
    const entry = cache?.entries.get(action);
    if (!cache || !entry || cache.ip !== ip) return undefined;
    if (entry.atMs > nowMs || nowMs - entry.atMs >= risk.decisionCacheSeconds * 1000) return undefined;
    // A device minted earlier in this request has its cookie on the answer, not yet on a request.
    const raw = readCookie(req, risk.deviceCookieName) ?? (res.locals.stepguardDevice as Device | undefined)?.cookie;
    return raw !== undefined && constantTimeEqual(raw, cache.deviceCookie) ? entry : undefined;
  }

  /** Keeps `entry` for `action` in the session; evaluations from another context are dropped. */
  function remember(state: { risk?: string }, ip: string, device: Device, action: string, entry: CachedRiskEntry): void {
    const existing = decodeRiskDecisionCache(state.risk);
    const sameContext = existing !== undefined && existing.ip === ip && constantTimeEqual(existing.deviceCookie, device.cookie);
    const entries = sameContext ? existing.entries : new Map<string, CachedRiskEntry>();
    entries.set(action, entry);
    const encoded = encodeRiskDecisionCache({ ip, deviceCookie: device.cookie, entries });
    if (encoded === undefined) delete state.risk;
    else state.risk = encoded;
  }

  async function geoOf(ip: string): Promise<GeoPoint | null> {
    if (!risk.geo) return null;
    try {
      return await risk.geo.lookup(ip);
    } catch {
      return null; // no geo is "not observed", never an outage
    }
  }

  function riskSnapshot(userId: string, hash: string | null) {
    if (stores.risk.snapshot) return stores.risk.snapshot(userId, hash);
    return Promise.all([stores.risk.knownCountries(userId), stores.risk.lastSeen(userId), hash ? stores.risk.isKnownDevice(userId, hash) : false]).then(
      ([countries, lastSeen, knownDevice]) => ({ countries, lastSeen, knownDevice }),
    );
  }

  function failureState(userId: string, nowMs: number) {
    if (stores.challenges.failureState) return stores.challenges.failureState(userId, nowMs);
    return Promise.all([stores.challenges.failureCount(userId, nowMs), stores.challenges.lockedUntil(userId, nowMs)]).then(([failures, lockedUntilMs]) => ({ failures, lockedUntilMs }));
  }

  async function collectSignals(req: Request, userId: string, details?: TransactionDetails, deviceId?: string | null): Promise<RiskSignals> {
    const nowMs = config.clock.nowMs();
    const ip = normalizeIp(req.ip ?? '');
    // The lists read the address themselves: a translated client is judged as its IPv4 address
    // and as the IPv6 form it arrived in (red team, session 9).
    const listed = req.ip ?? '';
    const device = deviceId === undefined ? (readDevice(req)?.id ?? null) : deviceId;
    // Two commands in one round trip where the stores can batch (issue 12), five otherwise.
    const [geo, { countries, lastSeen: last, knownDevice }, { failures, lockedUntilMs: lockedUntil }, binding] = await Promise.all([
      geoOf(ip),
      riskSnapshot(userId, device ? deviceHash(device) : null),
      failureState(userId, nowMs),
      stores.phones.getActive(userId),
    ]);
    if (req) lockReads.set(req, { lockedUntilMs: lockedUntil });
    const signals: RiskSignals = {};
    if (risk.ipDenyList.has(listed)) signals.ipDenied = true;
    if (risk.torExitList.has(listed)) signals.torExit = true;
    if (risk.datacenterList.has(listed)) signals.datacenterIp = true;
    if (!knownDevice) signals.newDevice = true;
    if (geo && countries.length > 0 && !countries.includes(geo.country)) signals.newCountry = true;
    if (geo?.latitude !== undefined && geo.longitude !== undefined && last?.latitude != null && last.longitude != null) {
      const km = distanceKm({ latitude: last.latitude, longitude: last.longitude }, { latitude: geo.latitude, longitude: geo.longitude });
      const hours = Math.max(nowMs - last.atMs, 60_000) / 3600_000;
      if (km > 100 && km / hours > risk.impossibleTravelKmh) signals.impossibleTravel = true;
    }
    if (failures > 0) signals.consecutiveFailures = failures;
    if (lockedUntil !== null) signals.recentLockout = true;
    if (binding) {
      if (inCoolOff(binding, config.phone.changeCoolOffSeconds, nowMs)) signals.phoneChangedRecently = true;
      // Kept with the binding when it was bound (issue 12); older bindings parse.
      let lineType = boundNumberFacts(binding)?.lineType ?? undefined;
      if (risk.phoneIntel) {
        const intel = await risk.phoneIntel.lookup(binding.e164).catch(() => null);
        if (intel?.lineType) lineType = intel.lineType;
        if (intel?.simSwappedAtMs && nowMs - intel.simSwappedAtMs < risk.simSwapWindowDays * 86_400_000) signals.simSwapRecent = true;
      }
      if (lineType) signals.lineType = lineType;
    }
    const backupAt = ensureState(req, userId, config.random).factors.backup;
    if (backupAt !== undefined && nowMs - backupAt < BACKUP_CODE_SIGNAL_MS) signals.backupCodeUsedRecently = true;
    const amount = details ? Number(details.amount) : NaN;
    if (Number.isFinite(amount)) signals.transactionAmount = amount;
    return signals;
  }

  return {
    collectSignals: (req, userId, details) => collectSignals(req, userId, details),

    lockReadIn: (req) => lockReads.get(req),

    async signInSignals(req, userId) {
      const device = readDevice(req)?.id;
      const [geo, { countries, lastSeen: last, knownDevice }] = await Promise.all([geoOf(normalizeIp(req.ip ?? '')), riskSnapshot(userId, device ? deviceHash(device) : null)]);
      return {
        newDevice: last !== null && !knownDevice,
        newCountry: geo !== null && countries.length > 0 && !countries.includes(geo.country),
        country: geo?.country ?? null,
      };
    },

    reusableDecision,

    listedAddress(req) {
      const ip = req.ip ?? '';
      return risk.ipDenyList.has(ip) || risk.torExitList.has(ip) || risk.datacenterList.has(ip);
    },

    async decide(req, res, userId, action, details) {
      const reused = reusableDecision(req, res, userId, action, details);
      if (reused) return reused;
      const nowMs = config.clock.nowMs();
      const state = ensureState(req, userId, config.random);
      const ip = decisionContextIp(req.ip ?? '');
      const device = ensureDevice(req, res);
      const signals = await collectSignals(req, userId, details, device.fresh ? null : device.id);
      const enrolledFactors = await listEnrolledFactors(stores, userId);
      const decision = await evaluateAndAudit(req, userId, action, signals, enrolledFactors, device.id);
      if (!details) remember(state, ip, device, action, { atMs: nowMs, signals, enrolledFactors });
      return decision;
    },

    cachedDecision(req, userId, action) {
      const entry = decodeRiskDecisionCache(readState(req, userId)?.risk)?.entries.get(action);
      return entry && config.actions[action] ? evaluate(action, entry.signals, entry.enrolledFactors) : undefined;
    },

    recordSuccess(req, userId) {
      const device = readDevice(req);
      // The session first, before anything is awaited: the save at the end of this request
      // carries it whether or not the store write below has answered yet (issue 12).
      rederiveCachedDecisions(req, userId, decisionContextIp(req.ip ?? ''), device);
      return (async () => {
        const geo = await geoOf(normalizeIp(req.ip ?? ''));
        await stores.risk.recordSuccess(userId, {
          deviceHash: device ? deviceHash(device.id) : null,
          location: { country: geo?.country ?? null, latitude: geo?.latitude ?? null, longitude: geo?.longitude ?? null, atMs: config.clock.nowMs() },
        });
      })();
    },
  };

  function rederiveCachedDecisions(req: Request, userId: string, ip: string, device: ReturnType<typeof readDevice>): void {
    const state = ensureState(req, userId, config.random);
    const cached = decodeRiskDecisionCache(state.risk);
    delete state.risk;
    // Only evaluations made in this context (this IP, this verified device cookie) are kept.
    if (!cached || !device || cached.ip !== ip || !constantTimeEqual(cached.deviceCookie, device.cookie)) return;
    const backupAt = state.factors.backup;
    const kept = new Map<string, CachedRiskEntry>();
    for (const [action, entry] of cached.entries) {
      // Only what this success changed is known without a read: no failure signals (a success
      // clears them, but not every factor's path says so), the kept signals otherwise.
      if (!config.actions[action]) continue;
      if (entry.signals.consecutiveFailures !== undefined || entry.signals.recentLockout) continue;
      const { newDevice: _d, newCountry: _c, impossibleTravel: _t, ...signals } = entry.signals;
      if (backupAt !== undefined && config.clock.nowMs() - backupAt < BACKUP_CODE_SIGNAL_MS) signals.backupCodeUsedRecently = true;
      // Not audited nor counted as a fresh decision: the next read re-derives the audited one,
      // less what the audited success just cleared. The original read time stays: the other
      // signals are as old.
      kept.set(action, { ...entry, signals });
    }
    const encoded = encodeRiskDecisionCache({ ip, deviceCookie: device.cookie, entries: kept });
    if (encoded !== undefined) state.risk = encoded;
  }

  function evaluate(action: string, signals: RiskSignals, enrolledFactors: SecondFactorId[]): PolicyDecision {
    return evaluatePolicy({
      action,
      requirement: config.actions[action] as ActionRequirement,
      rules: config.policy.rules,
      signals,
      enrolledFactors,
      onNoStrongFactor: config.policy.onNoStrongFactor,
    });
  }

  async function evaluateAndAudit(req: Request, userId: string, action: string, signals: RiskSignals, enrolledFactors: SecondFactorId[], deviceId: string): Promise<PolicyDecision> {
    const decision = evaluate(action, signals, enrolledFactors);
    await audit.record({
      type: 'risk_decision',
      outcome: decision.outcome === 'deny' ? 'blocked' : 'info',
      userId,
      action,
      reasons: [
        `outcome=${decision.outcome}`,
        `score=${decision.score}`,
        ...decision.reasons.map((r) => `rule=${r.rule}`),
        ...decision.observed.map((r) => `observed=${r}`),
        ...(decision.flagged ? ['flag=no_strong_factor_allowed'] : []),
      ],
      context: { ...requestContext(req), deviceId: deviceHash(deviceId).slice(0, 16) },
    });
    // The first rule that decided is the reason (a bounded set: the policy's rule names).
    onDecision?.(action, decision.outcome, decision.reasons[0]?.rule ?? 'none');
    return decision;
  }
}
