import fc from 'fast-check';
import { upstreamFactors, type TrustedIssuer } from '../../src/core/assurance/upstreamFactors';

const NOW = Date.UTC(2026, 10, 23, 12);
const TRUSTED: TrustedIssuer[] = [{ issuer: 'https://idp.example.com', amr: { otp: 'otp', hwk: 'hwk', mfa: 'otp' } }];
const atSeconds = (ms: number) => Math.floor(ms / 1000);

describe('upstream MFA claims', () => {
  it('a trusted issuer\'s mapped amr values count, dated at auth_time', () => {
    expect(upstreamFactors(TRUSTED, { issuer: 'https://idp.example.com', amr: ['pwd', 'otp'], authTimeSeconds: atSeconds(NOW - 90_000) }, NOW)).toEqual({
      ok: true,
      factors: ['otp'],
      atMs: atSeconds(NOW - 90_000) * 1000,
    });
  });

  it('an untrusted issuer, a look-alike issuer, or unmapped amr values prove nothing', () => {
    const authTimeSeconds = atSeconds(NOW);
    expect(upstreamFactors(TRUSTED, { issuer: 'https://evil.example.com', amr: ['otp'], authTimeSeconds }, NOW)).toEqual({ ok: false, reason: 'untrusted_issuer' });
    expect(upstreamFactors(TRUSTED, { issuer: 'https://idp.example.com/', amr: ['otp'], authTimeSeconds }, NOW)).toEqual({ ok: false, reason: 'untrusted_issuer' });
    expect(upstreamFactors(TRUSTED, { issuer: 'https://IDP.example.com', amr: ['otp'], authTimeSeconds }, NOW)).toEqual({ ok: false, reason: 'untrusted_issuer' });
    expect(upstreamFactors(TRUSTED, { issuer: 'https://idp.example.com', amr: ['pwd', 'sms', 'constructor', '__proto__'], authTimeSeconds }, NOW)).toEqual({ ok: false, reason: 'no_factor' });
  });

  it('without a usable auth_time nothing counts; a clock a little ahead is tolerated, never beyond now', () => {
    const claims = { issuer: 'https://idp.example.com', amr: ['hwk'] };
    expect(upstreamFactors(TRUSTED, claims, NOW)).toEqual({ ok: false, reason: 'no_auth_time' });
    expect(upstreamFactors(TRUSTED, { ...claims, authTimeSeconds: Number.NaN }, NOW)).toEqual({ ok: false, reason: 'no_auth_time' });
    expect(upstreamFactors(TRUSTED, { ...claims, authTimeSeconds: atSeconds(NOW + 3_600_000) }, NOW)).toEqual({ ok: false, reason: 'auth_time_in_future' });
    expect(upstreamFactors(TRUSTED, { ...claims, authTimeSeconds: atSeconds(NOW + 30_000) }, NOW)).toEqual({ ok: true, factors: ['hwk'], atMs: NOW });
  });

  it('never dates a factor after now, and never yields a factor the issuer\'s map does not name', () => {
    fc.assert(
      fc.property(fc.array(fc.string(), { maxLength: 6 }), fc.integer({ min: -1e9, max: 1e9 }), fc.oneof(fc.string(), fc.constant('https://idp.example.com')), (amr, offsetMs, issuer) => {
        const result = upstreamFactors(TRUSTED, { issuer, amr: [...amr, ...fc.sample(fc.constantFrom('otp', 'mfa', 'hwk', 'pwd'), 2)], authTimeSeconds: atSeconds(NOW + offsetMs) }, NOW);
        if (!result.ok) return;
        expect(result.atMs).toBeLessThanOrEqual(NOW);
        for (const factor of result.factors) expect(Object.values(TRUSTED[0]!.amr)).toContain(factor);
      }),
    );
  });
});

describe('upstream claims of the wrong shape', () => {
  it.each([
    ['amr as one string', { issuer: 'https://idp.example.com', amr: 'otp' }],
    ['amr as an object', { issuer: 'https://idp.example.com', amr: { 0: 'otp', length: 1 } }],
    ['amr with a non-string', { issuer: 'https://idp.example.com', amr: ['otp', 7] }],
    ['33 amr values', { issuer: 'https://idp.example.com', amr: Array.from({ length: 33 }, () => 'otp') }],
    ['no issuer', { amr: ['otp'] }],
    ['auth_time as a string', { issuer: 'https://idp.example.com', amr: ['otp'], authTimeSeconds: '1700000000' }],
    ['not an object', null],
  ])('%s proves nothing, without throwing', (_name, claims) => {
    expect(upstreamFactors(TRUSTED, { authTimeSeconds: atSeconds(NOW), ...(claims as object) } as never, NOW)).toEqual({ ok: false, reason: 'malformed_claims' });
  });
});
