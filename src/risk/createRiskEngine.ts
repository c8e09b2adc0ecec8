import { createHmac } from 'node:crypto';
import type { Request, Response } from 'express';
import type { AuditWriter } from '../audit/createAuditWriter';
import type { StepGuardConfig } from '../config';
import { constantTimeEqual } from '../core/otp/constantTimeEqual';
import { normalizePhone } from '../core/phone/normalizePhone';
import { evaluatePolicy } from '../core/policy/evaluatePolicy';
import type { PolicyDecision, RiskSignals } from '../core/policy/types';
import { newRandomId } from '../core/random';
import type { TransactionDetails } from '../core/transaction/hashTransaction';
import { readCookie } from '../http/readCookie';
import { requestContext } from '../http/requestContext';
import { ensureState } from '../http/sessionState';
import { inCoolOff } from '../service/inCoolOff';
import { listEnrolledFactors } from '../service/listEnrolledFactors';
import type { StepGuardStores } from '../stores/types';
import { distanceKm } from './distanceKm';
import { normalizeIp } from './ipList';
import type { GeoPoint } from './types';

export type RiskEngine = {
  /**
   * The policy decision for `action` on this request. Decisions without transaction details are
   * kept in the session for `decisionCacheSeconds` while the IP and device stay the same, so
   * a guarded page view costs no store round trip; a change of context re-evaluates.
   */
  decide(req: Request, res: Response, userId: string, action: string, details?: TransactionDetails): Promise<PolicyDecision>;
  /** After a successful second factor: remember this device and where it is. */
  recordSuccess(req: Request, userId: string): Promise<void>;
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
  const deviceHash = (id: string) => createHmac('sha256', config.secrets.pepper).update(`device:${id}`).digest('base64url').slice(0, 32);

  /** The device id from the signed cookie, or `null` when there is none or it is forged. */
  function readDevice(req: Request): string | null {
    const raw = readCookie(req, risk.deviceCookieName);
    const [id, mac] = raw?.split('.') ?? [];
    return id && mac && /^[A-Za-z0-9_-]{22}$/.test(id) && constantTimeEqual(mac, sign(id)) ? id : null;
  }

  function ensureDevice(req: Request, res: Response): { id: string; fresh: boolean } {
    const existing = readDevice(req) ?? (res.locals.stepguardDeviceId as string | undefined);
    if (existing) return { id: existing, fresh: false };
    const id = newRandomId(config.random);
    res.locals.stepguardDeviceId = id;
    res.cookie(risk.deviceCookieName, `${id}.${sign(id)}`, {
      httpOnly: true,
      sameSite: 'lax',
      secure: config.http.secureCookies,
      path: '/',
      maxAge: 400 * 86_400_000,
    });
    return { id, fresh: true };
  }

  async function geoOf(ip: string): Promise<GeoPoint | null> {
    if (!risk.geo) return null;
    try {
      return await risk.geo.lookup(ip);
    } catch {
      return null; // no geo is "not observed", never an outage
    }
  }

  async function collectSignals(req: Request, userId: string, details?: TransactionDetails, deviceId?: string | null): Promise<RiskSignals> {
    const nowMs = config.clock.nowMs();
    const ip = normalizeIp(req.ip ?? '');
    const device = deviceId === undefined ? readDevice(req) : deviceId;
    const [geo, countries, last, failures, lockedUntil, binding, knownDevice] = await Promise.all([
      geoOf(ip),
      stores.risk.knownCountries(userId),
      stores.risk.lastSeen(userId),
      stores.challenges.failureCount(userId, nowMs),
      stores.challenges.lockedUntil(userId, nowMs),
      stores.phones.getActive(userId),
      device ? stores.risk.isKnownDevice(userId, deviceHash(device)) : Promise.resolve(false),
    ]);
    const signals: RiskSignals = {};
    if (risk.ipDenyList.has(ip)) signals.ipDenied = true;
    if (risk.torExitList.has(ip)) signals.torExit = true;
    if (risk.datacenterList.has(ip)) signals.datacenterIp = true;
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
      const parsed = normalizePhone(binding.e164);
      let lineType = parsed.ok ? parsed.lineType : undefined;
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

    async signInSignals(req, userId) {
      const device = readDevice(req);
      const [geo, countries, last, knownDevice] = await Promise.all([
        geoOf(normalizeIp(req.ip ?? '')),
        stores.risk.knownCountries(userId),
        stores.risk.lastSeen(userId),
        device ? stores.risk.isKnownDevice(userId, deviceHash(device)) : Promise.resolve(false),
      ]);
      return {
        newDevice: last !== null && !knownDevice,
        newCountry: geo !== null && countries.length > 0 && !countries.includes(geo.country),
        country: geo?.country ?? null,
      };
    },

    async decide(req, res, userId, action, details) {
      const requirement = config.actions[action];
      if (!requirement) throw new TypeError(`risk: unknown action ${action}`);
      const nowMs = config.clock.nowMs();
      const state = ensureState(req, userId, config.random);
      const device = ensureDevice(req, res);
      // The session is server-side, so the context can be kept as is; no hashing per request.
      const contextKey = `${normalizeIp(req.ip ?? '')}|${device.id}`;
      const cached = state.risk?.[action];
      if (!details && cached && cached.contextKey === contextKey && nowMs - cached.atMs < risk.decisionCacheSeconds * 1000) {
        return cached.decision;
      }
      const signals = await collectSignals(req, userId, details, device.fresh ? null : device.id);
      const decision = evaluatePolicy({
        action,
        requirement,
        rules: config.policy.rules,
        signals,
        enrolledFactors: await listEnrolledFactors(stores, userId),
        onNoStrongFactor: config.policy.onNoStrongFactor,
      });
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
        context: { ...requestContext(req), deviceId: deviceHash(device.id).slice(0, 16) },
      });
      // The first rule that decided is the reason (a bounded set: the policy's rule names).
      onDecision?.(action, decision.outcome, decision.reasons[0]?.rule ?? 'none');
      if (!details) state.risk = { ...state.risk, [action]: { contextKey, atMs: nowMs, decision } };
      return decision;
    },

    async recordSuccess(req, userId) {
      const device = readDevice(req) ?? null;
      const geo = await geoOf(normalizeIp(req.ip ?? ''));
      await stores.risk.recordSuccess(userId, {
        deviceHash: device ? deviceHash(device) : null,
        location: { country: geo?.country ?? null, latitude: geo?.latitude ?? null, longitude: geo?.longitude ?? null, atMs: config.clock.nowMs() },
      });
      const state = ensureState(req, userId, config.random);
      delete state.risk;
    },
  };
}
