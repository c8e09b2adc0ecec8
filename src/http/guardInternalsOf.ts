import type { GuardInternals } from './GuardInternals';

const registry = new WeakMap<object, GuardInternals>();

/** Called once by createStepGuard: lets stepguard's own adapters (stepguard/oidc) reach the guard's parts. */
export function registerGuardInternals(guard: object, internals: GuardInternals): void {
  registry.set(guard, internals);
}

/** The parts of a guard built by createStepGuard; a TypeError naming `where` for anything else. */
export function guardInternalsOf(guard: unknown, where: string): GuardInternals {
  const internals = typeof guard === 'object' && guard !== null ? registry.get(guard) : undefined;
  if (!internals) throw new TypeError(`${where}: \`guard\` must be the object createStepGuard() returned.`);
  return internals;
}
