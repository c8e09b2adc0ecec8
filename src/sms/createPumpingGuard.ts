import type { Clock } from '../core/clock';
import { clientAddressKey } from '../core/net/clientAddressKey';
import type { BreakerPolicy, BreakerStore, CounterStore, RateLimitStore, WindowAdd } from '../stores/types';
import type { PumpingConfig, PumpingRule } from './pumpingRules';
import { lineTypeForPolicy } from '../core/phone/lineTypes';

/** One intended send, as the guard judges it. */
export type SendAttempt = {
  /** Unique per send: the member budgets count. */
  sendId: string;
  e164: string;
  /** Keyed hash of the number (budgets never store the number itself). */
  phoneHash: string;
  /** Keyed hash of the number's prefix. */
  prefixHash: string;
  country: string | null;
  /** libphonenumber's name (see LINE_TYPES); `null` when no source could tell. */
  lineType: string | null;
  userId: string;
  sessionId: string;
  /** The client address as the app sees it (`req.ip`); budgets count it by `clientAddressKey`. */
  ip: string | null;
  /** The user's bound number, which already proved it receives codes (a step-up), not a new one. */
  boundNumber: boolean;
  /**
   * A security notice rather than a code: it spends the account's notice budget (checked by the
   * caller) instead of the code budgets — so notices never starve a user's codes — passes the
   * static rules and, unless it goes to the bound number, the open breaker and the spend caps
   * (its cost is counted either way), and is not counted as a send awaiting a verification.
   * @default false
   */
  notice?: boolean;
  allowedCountries: readonly string[] | undefined;
  blockedLineTypes: readonly string[];
};

export type Reservation = { release(): Promise<void> };

export type GuardDecision =
  | { allowed: true; observed: PumpingRule[]; reservation: Reservation }
  | { allowed: false; rule: PumpingRule; retryAfterSeconds: number; observed: PumpingRule[] };

export type PumpingGuard = {
  check(attempt: SendAttempt): Promise<GuardDecision>;
  /** A code sent to that country was verified. */
  recordVerified(country: string | null): Promise<void>;
};

/** `group`: the subject's windows (one rule, one subject) judged together, `key` naming one of them. */
type WindowCheck = { rule: PumpingRule; key: string; member: string; limit: number; windowMs: number; group?: { name: string; key: string } };

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

/**
 * The anti-pumping guard every send passes. Cheap static rules first (country, line type),
 * then every counter rule at once: sliding windows in the rate-limit store (budgets per phone,
 * user, IP and session; distinct numbers per prefix; countries per IP), the per-country
 * conversion breaker and the spend caps. When any enforcing rule refuses, what the others
 * reserved is handed back, so a refused send spends no budget. Observe-only rules are reported
 * and never refuse.
 */
export function createPumpingGuard(deps: {
  config: PumpingConfig;
  windows: RateLimitStore;
  counters: CounterStore;
  breakers: BreakerStore;
  clock: Clock;
  /** Told when a country's breaker opens (operators want to know at once). */
  onBreakerOpened?: (event: { country: string; openSeconds: number; level: number; sent: number; verified: number }) => void;
}): PumpingGuard {
  const { config, windows, counters, breakers, clock } = deps;
  const b = config.breaker;
  const windowMs = b.windowSeconds * 1000;
  const policy: BreakerPolicy = { minSends: b.minSends, minConversion: b.minConversion, windowMs, openMs: b.openSeconds * 1000, maxOpenMs: b.maxOpenSeconds * 1000 };
  // Judges and counts the send in one atomic step; tells the operator when it opened the breaker.
  const admit = async (country: string, count: boolean) => {
    const result = await breakers.admit(country, policy, clock.nowMs(), count);
    if (result.tripped) {
      deps.onBreakerOpened?.({ country, openSeconds: (result.openUntilMs - clock.nowMs()) / 1000, level: result.level, sent: result.sent, verified: result.verified });
    }
    return result;
  };
  const mode = (rule: PumpingRule) => config.modes[rule];

  const bucketAdd = (key: string, bucketMs: number, spanMs: number, amount: number, cap: number, nowMs: number) => {
    const bucket = Math.floor(nowMs / bucketMs);
    return counters.add(key, { bucket, amount, fromBucket: bucket - Math.ceil(spanMs / bucketMs) + 1, cap, ttlSeconds: Math.ceil(spanMs / 1000) + 60 });
  };

  /**
   * Every window check, in order: a subject's windows as one group (one script on Redis, issue
   * 12) where the store can, every other window on its own; all at once. Never rejects: a part
   * that failed leaves its results out and names the failure, so the caller can hand back what
   * the other parts reserved (red team, session 7).
   */
  async function addWindows(checks: WindowCheck[], nowMs: number): Promise<{ results: (WindowAdd | undefined)[]; failure?: { error: unknown } }> {
    const addGroup = windows.addGroup && windows.removeFromGroup ? windows.addGroup.bind(windows) : undefined;
    const results: (WindowAdd | undefined)[] = new Array(checks.length);
    const groups = new Map<string, number[]>();
    const singles: Promise<void>[] = [];
    checks.forEach((c, i) => {
      if (!c.group || !addGroup) {
        singles.push(windows.add(c.key, c.member, c.limit, c.windowMs, nowMs).then((r) => void (results[i] = r)));
        return;
      }
      const list = groups.get(c.group.name) ?? [];
      list.push(i);
      groups.set(c.group.name, list);
    });
    const grouped = [...groups].map(async ([name, indexes]) => {
      const first = checks[indexes[0] as number] as WindowCheck;
      const answers = await (addGroup as NonNullable<typeof addGroup>)(name, indexes.map((i) => ({ key: (checks[i] as WindowCheck).group?.key ?? '', limit: (checks[i] as WindowCheck).limit, windowMs: (checks[i] as WindowCheck).windowMs })), first.member, nowMs);
      indexes.forEach((i, n) => {
        results[i] = answers[n] as WindowAdd;
      });
    });
    const rejected = (await Promise.allSettled([...singles, ...grouped])).find((o): o is PromiseRejectedResult => o.status === 'rejected');
    return rejected ? { results, failure: { error: rejected.reason } } : { results };
  }

  const removeWindow = (c: WindowCheck) =>
    c.group && windows.addGroup && windows.removeFromGroup ? windows.removeFromGroup(c.group.name, c.group.key, c.member) : windows.remove(c.key, c.member);

  async function check(attempt: SendAttempt): Promise<GuardDecision> {
    const nowMs = clock.nowMs();
    const observed: PumpingRule[] = [];
    // Returns true when the rule refuses the send.
    const judge = (rule: PumpingRule, refused: boolean) => {
      if (!refused || mode(rule) === 'off') return false;
      if (mode(rule) === 'observe') {
        observed.push(rule);
        return false;
      }
      return true;
    };

    if (judge('country', attempt.allowedCountries !== undefined && (!attempt.country || !attempt.allowedCountries.includes(attempt.country)))) {
      return { allowed: false, rule: 'country', retryAfterSeconds: 0, observed };
    }
    // A number of no known type is judged as UNKNOWN (blocked by default), never waved through.
    if (judge('line_type', attempt.blockedLineTypes.includes(lineTypeForPolicy(attempt.lineType)))) {
      return { allowed: false, rule: 'line_type', retryAfterSeconds: 0, observed };
    }

    const checks: WindowCheck[] = [];
    // `group`: whose budgets are judged together (one script on Redis). A session's budget is
    // kept with its account's (a session belongs to one account), so the two are one script, not
    // two (issue 12, session 7); every other subject is a group of its own.
    const budgets = (rule: PumpingRule, subject: string | null, list: PumpingConfig['phoneBudgets'], group = `${rule}:${subject}`, windowKey = (seconds: number) => String(seconds)) => {
      if (subject === null || mode(rule) === 'off') return;
      for (const budget of list) {
        checks.push({
          rule,
          key: `${rule}:${subject}:${budget.windowSeconds}`,
          member: attempt.sendId,
          limit: budget.limit,
          windowMs: budget.windowSeconds * 1000,
          group: { name: group, key: windowKey(budget.windowSeconds) },
        });
      }
    };
    const codeSend = !attempt.notice;
    const account = `account:${attempt.userId}`;
    budgets('phone_budget', codeSend ? attempt.phoneHash : null, config.phoneBudgets);
    budgets('user_budget', codeSend ? attempt.userId : null, config.userBudgets, account, (seconds) => `user_budget:${seconds}`);
    // Address and range rules only for numbers not yet proven: that is where pumping happens.
    // A bound number proved it reaches its owner; its step-ups must not starve behind an office
    // NAT, a travelling user's addresses, or a company's block of consecutive numbers.
    const newNumber = !attempt.boundNumber;
    // An IPv6 client counts by its network (a /64 by default): addresses inside it are free to pick.
    const address = attempt.ip === null ? null : clientAddressKey(attempt.ip, config.ipv6PrefixLength);
    budgets('ip_budget', newNumber ? address : null, config.ipBudgets);
    budgets('session_budget', codeSend ? attempt.sessionId : null, config.sessionBudgets, account, (seconds) => `session_budget:${attempt.sessionId}:${seconds}`);
    if (newNumber && mode('prefix_velocity') !== 'off') {
      const p = config.prefix;
      checks.push({ rule: 'prefix_velocity', key: `prefix:${attempt.prefixHash}`, member: attempt.phoneHash, limit: p.distinctNumbers, windowMs: p.windowSeconds * 1000 });
    }
    if (newNumber && address !== null && attempt.country !== null && mode('ip_countries') !== 'off') {
      const c = config.ipCountries;
      checks.push({ rule: 'ip_countries', key: `ipcc:${address}`, member: attempt.country, limit: c.limit, windowMs: c.windowSeconds * 1000 });
    }

    // A security notice to the account's own bound number (a proven number, told about its own
    // account) is counted in the spend but never refused by the caps or the breaker: otherwise a
    // bot that fills the caps could silence the notices that tell the owner about an attack. Its
    // per-account notice budget (checked by the caller) still bounds it.
    const ownNotice = attempt.notice === true && attempt.boundNumber;
    const price = attempt.country ? (config.spend.priceMicros[attempt.country] ?? config.spend.priceMicros.default ?? 0) : (config.spend.priceMicros.default ?? 0);
    const caps: { key: string; bucketMs: number; spanMs: number; cap: number }[] = [];
    if (price > 0 && mode('spend_cap') !== 'off') {
      if (config.spend.hourlyCapMicros) caps.push({ key: 'spend:hour', bucketMs: MINUTE_MS, spanMs: HOUR_MS, cap: ownNotice ? 0 : config.spend.hourlyCapMicros });
      if (config.spend.dailyCapMicros) caps.push({ key: 'spend:day', bucketMs: HOUR_MS, spanMs: 24 * HOUR_MS, cap: ownNotice ? 0 : config.spend.dailyCapMicros });
    }

    // The breaker judges and counts in one atomic step; a send refused below is handed back.
    const breakerCountry = mode('country_breaker') !== 'off' ? attempt.country : null;
    // Every part settles before anything is judged: when one fails (a node down, a timeout), what
    // the others reserved is handed back before the error, so a send that never went out spends
    // no budget and counts for no breaker.
    const [windowsAdded, capsAdded, breakerAdmitted] = await Promise.all([
      addWindows(checks, nowMs),
      Promise.allSettled(caps.map((c) => bucketAdd(c.key, c.bucketMs, c.spanMs, price, c.cap, nowMs))),
      Promise.allSettled([breakerCountry ? admit(breakerCountry, codeSend) : Promise.resolve(null)]),
    ]);
    const windowResults = windowsAdded.results;
    const capResults = capsAdded.map((o) => (o.status === 'fulfilled' ? o.value : undefined));
    const breakerOutcome = breakerAdmitted[0] as PromiseSettledResult<Awaited<ReturnType<typeof admit>> | null>;
    const breaker = breakerOutcome.status === 'fulfilled' ? breakerOutcome.value : null;
    const counted = codeSend && breakerCountry !== null && breaker !== null && !breaker.open;

    const release = async () => {
      await Promise.all([
        ...(counted && breakerCountry ? [breakers.adjustSent(breakerCountry, nowMs, -1, windowMs)] : []),
        ...checks.map((c, i) => (windowResults[i]?.added ? removeWindow(c) : Promise.resolve())),
        ...caps.map((c, i) => (capResults[i]?.allowed ? bucketAdd(c.key, c.bucketMs, c.spanMs, -price, 0, nowMs) : Promise.resolve())),
      ]);
    };

    const failed = windowsAdded.failure ?? [...capsAdded, breakerOutcome].map((o) => (o.status === 'rejected' ? { error: o.reason as unknown } : undefined)).find(Boolean);
    if (failed) {
      await release().catch(() => undefined);
      throw failed.error;
    }

    let refusal: { rule: PumpingRule; retryAfterSeconds: number } | null = null;
    const refuse = (rule: PumpingRule, retryAfterMs = 0) => {
      if (judge(rule, true) && !refusal) refusal = { rule, retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)) };
    };
    if (breaker?.open && !ownNotice && (config.breaker.whileOpen === 'pause' || !attempt.boundNumber)) refuse('country_breaker', breaker.openUntilMs - nowMs);
    checks.forEach((c, i) => {
      const result = windowResults[i];
      if (result && !result.allowed) refuse(c.rule, result.retryAfterMs);
    });
    caps.forEach((_, i) => {
      if (capResults[i] && !capResults[i].allowed) refuse('spend_cap', HOUR_MS);
    });
    if (refusal) {
      await release();
      const { rule, retryAfterSeconds } = refusal;
      return { allowed: false, rule, retryAfterSeconds, observed: [...new Set(observed)] };
    }
    return { allowed: true, observed: [...new Set(observed)], reservation: { release } };
  }

  return {
    check,
    recordVerified: async (country) => {
      if (country) await breakers.recordVerified(country, clock.nowMs(), windowMs);
    },
  };
}
