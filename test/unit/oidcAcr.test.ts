import { assessOidcLogin, type OidcPolicy } from '../../src/core/oidc/assessOidcLogin';
import { readAcrRequest } from '../../src/core/oidc/readAcrRequest';
import { createStepGuard } from '../../src';
import { createOidcStepUp } from '../../src/oidc';
import { StepGuardConfigError } from '../../src/errors';

const aliases = { 'urn:example:mfa': 'aal2' } as const;
const NOW = Date.UTC(2026, 0, 15, 9, 0, 0);
const policy: OidcPolicy = { acceptableFactors: ['sms', 'otp', 'hwk', 'swk', 'backup'], maxAgeSeconds: 12 * 3600, minimumLevel: 'aal1' };
const at = (secondsAgo: number) => NOW - secondsAgo * 1000;
const assess = (params: Record<string, unknown>, factors: Parameters<typeof assessOidcLogin>[1], p: OidcPolicy = policy) =>
  assessOidcLogin(readAcrRequest(params, aliases), factors, p, { nowMs: NOW, requestedAtMs: NOW });

describe('readAcrRequest', () => {
  it('reads acr_values in the client\'s order, aliases mapped, unknown values set aside', () => {
    expect(readAcrRequest({ acr_values: 'urn:example:mfa urn:other aal1' }, aliases)).toEqual({
      choices: [
        { value: 'urn:example:mfa', level: 'aal2' },
        { value: 'aal1', level: 'aal1' },
      ],
      essential: false,
      unknown: ['urn:other'],
      maxAgeSeconds: undefined,
    });
  });

  it('an essential acr claim wins over acr_values', () => {
    const request = readAcrRequest({ acr_values: 'aal1', claims: JSON.stringify({ id_token: { acr: { essential: true, value: 'aal2-phr' } } }) }, aliases);
    expect(request).toMatchObject({ choices: [{ value: 'aal2-phr', level: 'aal2-phr' }], essential: true });
  });

  it('max_age must be a whole number of seconds; anything else is no max_age', () => {
    expect(readAcrRequest({ max_age: '60' }, aliases).maxAgeSeconds).toBe(60);
    expect(readAcrRequest({ max_age: 0 }, aliases).maxAgeSeconds).toBe(0);
    expect(readAcrRequest({ max_age: '-1' }, aliases).maxAgeSeconds).toBeUndefined();
    expect(readAcrRequest({ max_age: '1e3' }, aliases).maxAgeSeconds).toBeUndefined();
  });

  it('a claims parameter that is not JSON, or an acr request of the wrong shape, asks for nothing', () => {
    expect(readAcrRequest({ claims: '{not json' }, aliases).choices).toEqual([]);
    expect(readAcrRequest({ claims: JSON.stringify({ id_token: { acr: { essential: true, values: 'aal2' } } }) }, aliases)).toMatchObject({ choices: [], essential: false });
  });
});

describe('assessOidcLogin', () => {
  it('a password alone is aal1 with amr pwd and its own time', () => {
    expect(assess({}, { pwd: at(30) })).toEqual({ ok: true, acr: 'aal1', level: 'aal1', amr: ['pwd'], authTimeSeconds: Math.floor(at(30) / 1000) });
  });

  it('names the first listed value the session reaches, never a higher one', () => {
    expect(assess({ acr_values: 'aal2-phr aal2' }, { pwd: at(60), sms: at(10) })).toMatchObject({ ok: true, acr: 'aal2', level: 'aal2' });
  });

  it('a second factor past the action\'s max age does not count towards acr or amr', () => {
    expect(assess({}, { pwd: at(60), sms: at(13 * 3600) })).toMatchObject({ ok: true, acr: 'aal1', amr: ['pwd'] });
    expect(assess({ acr_values: 'aal2' }, { pwd: at(60), sms: at(13 * 3600) })).toMatchObject({ ok: false, reason: 'level_not_reached', targetLevel: 'aal2' });
  });

  it('a factor the policy does not accept now does not count', () => {
    expect(assess({ acr_values: 'aal2' }, { pwd: at(60), sms: at(10) }, { ...policy, acceptableFactors: ['otp', 'hwk', 'swk'] })).toMatchObject({ ok: false, reason: 'level_not_reached', acceptableFactors: ['otp', 'hwk', 'swk'] });
  });

  it('max_age: only factors verified within it count, and a session with none is too old', () => {
    expect(assess({ acr_values: 'aal2', max_age: '60' }, { pwd: at(120), sms: at(120) })).toMatchObject({ ok: false, reason: 'too_old', targetLevel: 'aal2' });
    expect(assess({ acr_values: 'aal2', max_age: '60' }, { pwd: at(30), sms: at(120) })).toMatchObject({ ok: false, reason: 'level_not_reached' });
    expect(assess({ max_age: '60' }, { pwd: at(120) })).toMatchObject({ ok: false, reason: 'too_old', targetLevel: 'aal1' });
    expect(assess({ acr_values: 'aal2', max_age: '60' }, { pwd: at(120), sms: at(20) })).toMatchObject({ ok: true, authTimeSeconds: Math.floor(at(20) / 1000) });
  });

  it('a factor time in the future counts as now, never as later', () => {
    expect(assess({}, { pwd: NOW + 60_000 })).toMatchObject({ ok: true, authTimeSeconds: Math.floor(NOW / 1000) });
  });

  it('aal2-phr asks for a passkey; SMS is not among the factors that would do', () => {
    expect(assess({ acr_values: 'aal2-phr' }, { pwd: at(60), sms: at(10) })).toMatchObject({ ok: false, reason: 'level_not_reached', targetLevel: 'aal2-phr', acceptableFactors: ['hwk', 'swk'] });
  });

  it('a risk rule\'s level applies whatever the client asked', () => {
    expect(assess({}, { pwd: at(60) }, { ...policy, minimumLevel: 'aal2' })).toMatchObject({ ok: false, reason: 'level_not_reached', targetLevel: 'aal2' });
  });

  it('an essential request of values we do not know cannot be met; a voluntary one asks for nothing', () => {
    expect(assess({ claims: JSON.stringify({ id_token: { acr: { essential: true, value: 'urn:x' } } }) }, { pwd: at(1) })).toMatchObject({ ok: false, reason: 'acr_not_supported' });
    expect(assess({ acr_values: 'urn:x' }, { pwd: at(1) })).toMatchObject({ ok: true, acr: 'aal1' });
  });

  it('nobody signed in: no_first_factor', () => {
    expect(assess({}, { sms: at(1) })).toMatchObject({ ok: false, reason: 'no_first_factor' });
  });
});

describe('createOidcStepUp options', () => {
  const guard = createStepGuard({ environment: 'test', stores: 'memory' });
  it.each([
    [{ acrValues: { aliases: { aal2: 'aal2' } } }, /acrValues\.aliases\.aal2: is already one of stepguard's levels/],
    [{ acrValues: { aliases: { 'has space': 'aal2' } } }, /acrValues\.aliases\.has space: must be printable ASCII without spaces/],
    [{ acrValues: { aliases: { 'urn:x': 'aal3' } } }, /acrValues\.aliases\.urn:x: must be one of aal1, aal2, aal2-phr/],
    [{ action: 'nope' }, /action: unknown action "nope"; known: login/],
    [{ interactionPath: '/auth/2fa/oidc' }, /interactionPath: "\/auth\/2fa\/oidc" lies under http\.basePath/],
    [{ interactionPaht: '/x' }, /unknown option\(s\) interactionPaht/],
  ])('refuses %j with an error naming the option', async (extra, message) => {
    await expect(createOidcStepUp({ guard, ...(extra as object) } as never)).rejects.toThrow(message);
    await expect(createOidcStepUp({ guard, ...(extra as object) } as never)).rejects.toBeInstanceOf(StepGuardConfigError);
  });

  it('refuses a guard that createStepGuard did not build', async () => {
    await expect(createOidcStepUp({ guard: { config: guard.config } as never })).rejects.toThrow(/`guard` must be the object createStepGuard\(\) returned/);
  });

  it('refuses to take over interactions.url', async () => {
    const oidc = await createOidcStepUp({ guard });
    expect(() => oidc.configuration({ interactions: { url: () => '/mine' } })).toThrow(/interactions\.url is stepguard's/);
  });
});
