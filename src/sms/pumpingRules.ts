/** The anti-pumping rules, each able to run enforcing, observe-only, or off. */
export const PUMPING_RULES = [
  'country',
  'line_type',
  'phone_budget',
  'user_budget',
  'ip_budget',
  'session_budget',
  'prefix_velocity',
  'ip_countries',
  'country_breaker',
  'spend_cap',
] as const;

export type PumpingRule = (typeof PUMPING_RULES)[number];

export type RuleMode = 'enforce' | 'observe' | 'off';

export type Budget = { limit: number; windowSeconds: number };

export type PumpingConfig = Readonly<{
  modes: Readonly<Record<PumpingRule, RuleMode>>;
  phoneBudgets: readonly Budget[];
  userBudgets: readonly Budget[];
  /** Sends to numbers not yet proven (binding, changing), per client address (see clientAddressKey). */
  ipBudgets: readonly Budget[];
  /** An IPv6 client counts by this many leading bits (`http.ipv6PrefixLength`). */
  ipv6PrefixLength: number;
  sessionBudgets: readonly Budget[];
  /** Distinct numbers per prefix (the number without its last `prefixDropDigits` digits). */
  prefix: Readonly<{ distinctNumbers: number; windowSeconds: number; dropDigits: number }>;
  ipCountries: Readonly<{ limit: number; windowSeconds: number }>;
  breaker: Readonly<{
    /** Sends in the window before conversion is judged. */
    minSends: number;
    /** Verified / sent below this opens the breaker. */
    minConversion: number;
    windowSeconds: number;
    openSeconds: number;
    maxOpenSeconds: number;
    /** While open: only numbers already bound (proven) get codes, or nothing in that country. */
    whileOpen: 'bound-numbers-only' | 'pause';
  }>;
  spend: Readonly<{
    /** Price of one message by country (micro-units of your currency); `default` for the rest. */
    priceMicros: Readonly<Record<string, number>>;
    hourlyCapMicros: number | undefined;
    dailyCapMicros: number | undefined;
  }>;
}>;

export const PUMPING_DEFAULTS: PumpingConfig = {
  modes: {
    country: 'enforce',
    line_type: 'enforce',
    phone_budget: 'enforce',
    user_budget: 'enforce',
    ip_budget: 'enforce',
    session_budget: 'enforce',
    prefix_velocity: 'enforce',
    ip_countries: 'enforce',
    country_breaker: 'enforce',
    spend_cap: 'enforce',
  },
  phoneBudgets: [
    { limit: 3, windowSeconds: 600 },
    { limit: 10, windowSeconds: 86_400 },
  ],
  userBudgets: [
    { limit: 5, windowSeconds: 600 },
    { limit: 20, windowSeconds: 86_400 },
  ],
  ipBudgets: [
    { limit: 3, windowSeconds: 3600 },
    { limit: 10, windowSeconds: 86_400 },
  ],
  ipv6PrefixLength: 64,
  sessionBudgets: [
    { limit: 5, windowSeconds: 600 },
    { limit: 15, windowSeconds: 86_400 },
  ],
  prefix: { distinctNumbers: 3, windowSeconds: 3600, dropDigits: 3 },
  ipCountries: { limit: 3, windowSeconds: 86_400 },
  breaker: { minSends: 10, minConversion: 0.25, windowSeconds: 3600, openSeconds: 600, maxOpenSeconds: 86_400, whileOpen: 'bound-numbers-only' },
  spend: { priceMicros: {}, hourlyCapMicros: undefined, dailyCapMicros: undefined },
};
