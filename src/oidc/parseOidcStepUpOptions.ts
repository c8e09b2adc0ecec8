import { z } from 'zod';
import { LEVELS, type AssuranceLevel } from '../core/assurance/types';
import type { StepGuard } from '../createStepGuard';
import { StepGuardConfigError } from '../errors';
import type { OidcProviderModule } from './oidcProviderTypes';

export type OidcStepUpOptions = {
  /** The guard whose session, factors and policy decide every OpenID Connect sign-in. */
  guard: StepGuard;
  /** The oidc-provider module, when the host loads it itself (`import * as oidc from 'oidc-provider'`). @default loaded from the host's node_modules */
  oidcProvider?: OidcProviderModule;
  acrValues?: {
    /**
     * Further `acr` values to accept and advertise, each standing for one of stepguard's levels,
     * e.g. `{ 'urn:example:mfa': 'aal2' }`. @default {}
     */
    aliases?: Readonly<Record<string, AssuranceLevel>>;
  };
  /** The policy action whose factors, freshness and risk rules an OpenID Connect sign-in follows. @default 'login' */
  action?: string;
  /** Where oidc-provider sends the browser for a sign-in or step-up, on the host's origin. @default '/oidc/interaction' */
  interactionPath?: string;
  /** Client ids of first-party apps: the scopes they ask for are granted without a consent page. @default [] */
  firstPartyClients?: readonly string[];
  /** Trips to the login or factor page one interaction may take before the client gets an error. @default 3 */
  maxRounds?: number;
};

export type OidcStepUpConfig = {
  guard: StepGuard;
  oidcProvider: OidcProviderModule | undefined;
  aliases: Readonly<Record<string, AssuranceLevel>>;
  action: string;
  interactionPath: string;
  firstPartyClients: readonly string[];
  maxRounds: number;
};

// An acr value travels space-separated in acr_values: printable ASCII without spaces.
const ACR_VALUE = /^[\x21-\x7e]{1,200}$/;

const schema = z.strictObject({
  guard: z.custom<StepGuard>((v) => typeof v === 'object' && v !== null, { message: 'must be the guard createStepGuard() returned' }),
  oidcProvider: z
    .custom<OidcProviderModule>((v) => typeof (v as { default?: unknown } | null)?.default === 'function' && typeof (v as { interactionPolicy?: unknown }).interactionPolicy === 'object', {
      message: 'must be the oidc-provider module (import * as oidc from "oidc-provider")',
    })
    .optional(),
  acrValues: z
    .strictObject({
      aliases: z
        .record(z.string(), z.enum(LEVELS, { message: `must be one of ${LEVELS.join(', ')}` }))
        .superRefine((aliases, ctx) => {
          for (const alias of Object.keys(aliases)) {
            if (!ACR_VALUE.test(alias)) ctx.addIssue({ code: 'custom', path: [alias], message: 'must be printable ASCII without spaces (an acr value), such as "urn:example:mfa"' });
            else if ((LEVELS as readonly string[]).includes(alias)) ctx.addIssue({ code: 'custom', path: [alias], message: 'is already one of stepguard\'s levels' });
          }
        })
        .optional(),
    })
    .optional(),
  action: z.string().optional(),
  interactionPath: z.string().regex(/^(\/[A-Za-z0-9_-]+)+$/, 'must be a path such as /oidc/interaction (letters, digits, - and _, no trailing slash)').optional(),
  firstPartyClients: z.array(z.string().min(1).max(200)).optional(),
  maxRounds: z.number().int().min(1).max(10).optional(),
});

/** Validates createOidcStepUp's options once; a StepGuardConfigError names the option and the fix. */
export function parseOidcStepUpOptions(options: OidcStepUpOptions): OidcStepUpConfig {
  const parsed = schema.safeParse(options ?? {});
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const path = issue.path.map(String).join('.') || '(options)';
      const message = issue.code === 'unrecognized_keys' ? `unknown option(s) ${issue.keys.join(', ')}; known: ${Object.keys(schema.shape).join(', ')}` : issue.message;
      return `createOidcStepUp: ${path}: ${message}.`;
    });
    throw new StepGuardConfigError(lines.join('\n'));
  }
  const o = parsed.data;
  const action = o.action ?? 'login';
  if (!Object.hasOwn(o.guard.config.actions, action)) {
    throw new StepGuardConfigError(`createOidcStepUp: action: unknown action "${action}"; known: ${Object.keys(o.guard.config.actions).join(', ')} (add it under policy.actions).`);
  }
  const interactionPath = o.interactionPath ?? '/oidc/interaction';
  const basePath = o.guard.config.http.basePath;
  if (interactionPath === basePath || interactionPath.startsWith(`${basePath}/`)) {
    throw new StepGuardConfigError(`createOidcStepUp: interactionPath: "${interactionPath}" lies under http.basePath (${basePath}), where guard.router() answers; choose a path outside it.`);
  }
  return Object.freeze({
    guard: o.guard,
    oidcProvider: o.oidcProvider,
    aliases: Object.freeze({ ...(o.acrValues?.aliases ?? {}) }),
    action,
    interactionPath,
    firstPartyClients: Object.freeze([...(o.firstPartyClients ?? [])]),
    maxRounds: o.maxRounds ?? 3,
  });
}
