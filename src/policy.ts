// stepguard/policy: the risk policy (rules as data) and the lookups that feed its signals.
export { evaluatePolicy, defaultRules, validatePolicyRules } from './core/policy';
export type { RiskSignals, PolicyRule, PolicyDecision, Condition, Effect, OnNoStrongFactor } from './core/policy';
export { csvGeoLookup } from './risk/csvGeoLookup';
export { maxmindGeoLookup } from './risk/maxmindGeoLookup';
export { twilioLookupProvider } from './risk/twilioLookupProvider';
export type { GeoLookup, GeoPoint, PhoneIntelProvider, PhoneIntel } from './risk/types';
