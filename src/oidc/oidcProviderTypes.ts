import type { IncomingMessage, ServerResponse } from 'node:http';

// The few parts of oidc-provider 9 that stepguard/oidc touches, as structural types: oidc-provider
// ships no type declarations, and a host's own (e.g. @types/oidc-provider) fit these.

/** A pending interaction (`provider.interactionDetails(req, res)`). */
export type OidcInteraction = {
  uid: string;
  /** Epoch seconds when the authorization request created it. */
  iat?: number;
  prompt: { name: string; reasons?: string[]; details?: Record<string, unknown> };
  params: Record<string, unknown>;
  session?: { accountId?: string; uid?: string };
};

export type OidcInteractionResult =
  | { login: { accountId: string; acr?: string; amr?: string[]; ts?: number; remember?: boolean } }
  | { error: string; error_description?: string };

export type OidcAccessToken = {
  accountId?: string;
  clientId?: string;
  scope?: string;
  extra?: Record<string, unknown>;
  isExpired?: boolean;
  /** The audience (resource indicator) the token was issued for; absent for the provider's own userinfo. */
  aud?: string | string[];
  /** A DPoP key thumbprint: the token is bound to that key (RFC 9449). */
  jkt?: string;
  /** A client certificate thumbprint: the token is bound to that certificate (RFC 8705). */
  'x5t#S256'?: string;
};

/** A `Provider` instance, as far as stepguard uses it. */
export type OidcProviderInstance = {
  issuer?: string;
  interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<OidcInteraction>;
  interactionFinished(req: IncomingMessage, res: ServerResponse, result: OidcInteractionResult, options?: { mergeWithLastSubmission?: boolean }): Promise<void>;
  AccessToken: { find(value: string): Promise<OidcAccessToken | undefined> };
};

/** oidc-provider's `KoaContextWithOIDC`, as far as the interaction policy check and token claims read it. */
export type OidcContext = {
  req: IncomingMessage;
  res: ServerResponse;
  oidc: {
    params?: Record<string, unknown>;
    session?: { accountId?: string; acr?: string; amr?: string[]; authTime(): number | undefined };
    result?: { login?: unknown } & Record<string, unknown>;
    client?: { clientId: string };
    entities?: Record<string, unknown>;
    requestParamOIDCScopes?: Set<string>;
    requestParamClaims?: Set<string>;
    provider: { Grant: OidcGrantClass };
  };
};

export type OidcGrant = {
  accountId?: string;
  /** The grant's OpenID scope and claims; stepguard keeps the session the grant was last used from here (`stepguard`). */
  openid?: { scope?: string; claims?: string[]; stepguard?: unknown };
  addOIDCScope(scope: string): void;
  addOIDCClaims(claims: string[]): void;
  save(): Promise<string>;
};
export type OidcGrantClass = {
  new (properties: { clientId: string; accountId: string }): OidcGrant;
  find(id: string): Promise<OidcGrant | undefined>;
};

/** oidc-provider's interaction policy kit (`interactionPolicy` export). */
export type OidcInteractionPolicyKit = {
  base(): OidcPrompt[] & { get(name: string): OidcPrompt | undefined };
  Check: new (reason: string, description: string, error: string, check: (ctx: OidcContext) => boolean | Promise<boolean>) => unknown;
};
export type OidcPrompt = { name: string; checks: unknown[] & { add(check: unknown, index?: number): void; remove(reason: string): void } };

/** The oidc-provider module (`import * as oidc from 'oidc-provider'`). */
export type OidcProviderModule = {
  default: new (issuer: string, configuration?: Record<string, unknown>) => OidcProviderInstance & {
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
  };
  interactionPolicy: OidcInteractionPolicyKit;
};
