/** Express `trust proxy` values that trust every hop, so `X-Forwarded-For` is the client's to choose. */
const TRUSTS_EVERY_HOP = new Set(['0.0.0.0/0', '::/0']);

/**
 * The warning to print at start-up when Express' `trust proxy` trusts every hop (`true`, or
 * `0.0.0.0/0` / `::/0`) in production, or `undefined`. With such a setting `req.ip` is whatever
 * the client puts first in `X-Forwarded-For`, and stepguard reads `req.ip` for the IP deny list,
 * Tor and datacenter lists, geo and impossible travel, and every per-address budget. stepguard
 * cannot see the app's Express settings, so the host calls this (the demo does, for
 * `TRUST_PROXY`); a hop count or the proxies' addresses is what to use instead.
 *
 * @param setting how the operator sets it, named in the warning @default "trust proxy"
 */
export function trustProxyWarning(trustProxy: unknown, environment: string, setting = 'trust proxy'): string | undefined {
  if (environment !== 'production') return undefined;
  const values = typeof trustProxy === 'string' ? trustProxy.split(',').map((v) => v.trim()) : Array.isArray(trustProxy) ? trustProxy : [trustProxy];
  const everyHop = values.find((v) => v === true || (typeof v === 'string' && TRUSTS_EVERY_HOP.has(v)));
  if (everyHop === undefined) return undefined;
  return (
    `${setting}=${String(everyHop)} trusts every proxy hop in production: any client can choose its address with X-Forwarded-For and so ` +
    'get past the IP deny list, Tor, geo and impossible-travel checks and reset per-address budgets. ' +
    `Set ${setting} to the number of proxies in front of the app (e.g. ${setting === 'TRUST_PROXY' ? 'TRUST_PROXY=1' : '1'}) ` +
    'or to their addresses or subnet (e.g. 10.0.0.0/8).'
  );
}
