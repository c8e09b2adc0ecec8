import { LEVELS, type AssuranceLevel } from '../assurance/types';

/** Extra `acr` values a provider advertises, each standing for one of stepguard's levels (`urn:example:mfa` -> `aal2`). */
export type AcrAliases = Readonly<Record<string, AssuranceLevel>>;

/** The level an `acr` value stands for: one of ours, an alias, or `undefined` for a value this provider does not know. */
export function levelOfAcr(value: string, aliases: AcrAliases): AssuranceLevel | undefined {
  if ((LEVELS as readonly string[]).includes(value)) return value as AssuranceLevel;
  return Object.hasOwn(aliases, value) ? aliases[value] : undefined;
}

/** Every `acr` value a provider can issue, for `acr_values_supported`: our levels, then the aliases. */
export function supportedAcrValues(aliases: AcrAliases): string[] {
  return [...LEVELS, ...Object.keys(aliases).filter((alias) => !(LEVELS as readonly string[]).includes(alias))];
}

/** The stronger of two levels. */
export function higherLevel(a: AssuranceLevel, b: AssuranceLevel): AssuranceLevel {
  return LEVELS.indexOf(a) >= LEVELS.indexOf(b) ? a : b;
}
