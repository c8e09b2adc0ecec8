import type { AssuranceLevel } from '../assurance/types';
import { levelOfAcr, type AcrAliases } from './acrLevels';

/** One `acr` value the client would accept, with the level it stands for. */
export type AcrChoice = { value: string; level: AssuranceLevel };

/** What an authorization request asks of the user's authentication (OpenID Connect Core §3.1.2.1, §5.5.1.1). */
export type AcrRequest = {
  /** Acceptable `acr` values this provider knows, in the client's order of preference. */
  choices: AcrChoice[];
  /** An essential `acr` claim: reaching none of `choices` is an error, never a weaker token. */
  essential: boolean;
  /** Values asked for that this provider does not know (kept for the error description). */
  unknown: string[];
  /** `max_age`: the user must have authenticated actively within this many seconds of the request. */
  maxAgeSeconds: number | undefined;
};

/** The authorization request's own parameters, as oidc-provider keeps them (strings, or absent). */
export type AcrRequestParams = { acr_values?: unknown; claims?: unknown; max_age?: unknown };

const MAX_VALUES = 20;

/**
 * Reads `acr_values`, an `acr` claim request (`claims.id_token.acr`: `essential`, `value` or
 * `values`) and `max_age`. An essential claim request wins over `acr_values` (it is the one the
 * client insists on); otherwise `acr_values`, then a voluntary claim request, give the
 * preferences. Values we do not know are set aside: a voluntary request made only of them asks
 * for nothing we could do, an essential one cannot be met.
 */
export function readAcrRequest(params: AcrRequestParams, aliases: AcrAliases): AcrRequest {
  const claim = acrClaimOf(params.claims);
  const voluntary = typeof params.acr_values === 'string' ? params.acr_values.split(' ').filter(Boolean) : [];
  const values = claim?.essential ? claim.values : voluntary.length > 0 ? voluntary : (claim?.values ?? []);
  const choices: AcrChoice[] = [];
  const unknown: string[] = [];
  for (const value of [...new Set(values)].slice(0, MAX_VALUES)) {
    const level = levelOfAcr(value, aliases);
    if (level) choices.push({ value, level });
    else unknown.push(value);
  }
  return { choices, essential: claim?.essential === true, unknown, maxAgeSeconds: maxAgeOf(params.max_age) };
}

function acrClaimOf(claims: unknown): { essential: boolean; values: string[] } | undefined {
  let parsed: unknown = claims;
  if (typeof claims === 'string') {
    try {
      parsed = JSON.parse(claims);
    } catch {
      return undefined; // oidc-provider has already refused a claims parameter that is not JSON
    }
  }
  const acr = (parsed as { id_token?: { acr?: unknown } } | null | undefined)?.id_token?.acr;
  if (!acr || typeof acr !== 'object') return undefined;
  const { essential, value, values } = acr as { essential?: unknown; value?: unknown; values?: unknown };
  const listed = typeof value === 'string' ? [value] : Array.isArray(values) ? values.filter((v): v is string => typeof v === 'string') : [];
  if (listed.length === 0) return undefined;
  return { essential: essential === true, values: listed };
}

function maxAgeOf(value: unknown): number | undefined {
  const seconds = typeof value === 'number' ? value : typeof value === 'string' && /^\d{1,10}$/.test(value) ? Number(value) : NaN;
  return Number.isSafeInteger(seconds) && seconds >= 0 ? seconds : undefined;
}
