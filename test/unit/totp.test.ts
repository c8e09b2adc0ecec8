import { openSecret, sealSecret, type EncryptionKeyring } from '../../src/core/crypto/secretBox';
import { generateBackupCodes, hashBackupCode, normalizeBackupCode } from '../../src/core/backup-codes/backupCodes';
import { cryptoRandom } from '../../src/core/random';
import { matchTotp, newTotpSecret, totpCodeAt, totpUri } from '../../src/core/totp/totp';

// RFC 6238 appendix B, SHA-1: the 20-byte ASCII secret "12345678901234567890" in base32.
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

describe('TOTP', () => {
  it.each([
    [59, '287082'],
    [1111111109, '081804'],
    [1111111111, '050471'],
    [1234567890, '005924'],
    [2000000000, '279037'],
    [20000000000, '353130'],
  ])('matches the RFC 6238 vector at T=%i (6 digits)', async (seconds, code) => {
    expect(await totpCodeAt(RFC_SECRET, seconds * 1000)).toBe(code);
    expect(await matchTotp(RFC_SECRET, code, seconds * 1000, null)).toBe(Math.floor(seconds / 30));
  });

  it('accepts one step either side and no more', async () => {
    const now = 1_800_000_000_000;
    const code = await totpCodeAt(RFC_SECRET, now);
    expect(await matchTotp(RFC_SECRET, code, now + 30_000, null)).not.toBeNull();
    expect(await matchTotp(RFC_SECRET, code, now - 30_000, null)).not.toBeNull();
    expect(await matchTotp(RFC_SECRET, code, now + 60_000, null)).toBeNull();
  });

  it('never accepts a used time step again', async () => {
    const now = 1_800_000_000_000;
    const code = await totpCodeAt(RFC_SECRET, now);
    const step = await matchTotp(RFC_SECRET, code, now, null);
    expect(step).toBe(Math.floor(now / 30_000));
    expect(await matchTotp(RFC_SECRET, code, now, step)).toBeNull();
  });

  it('makes 20-byte secrets and a scannable URI', () => {
    const secret = newTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(totpUri({ secret, issuer: 'stepguard', account: 'alice' })).toMatch(new RegExp(`^otpauth://totp/stepguard:alice\\?secret=${secret}&issuer=stepguard`));
  });
});

describe('secret encryption', () => {
  const key = (n: number) => Buffer.alloc(32, n);
  const ring: EncryptionKeyring = { currentKeyId: 'k1', keys: { k1: key(1) } };

  it('round-trips and never stores the plaintext', () => {
    const sealed = sealSecret(ring, cryptoRandom, 'JBSWY3DPEHPK3PXP');
    expect(sealed).toMatch(/^v1\.k1\./);
    expect(sealed).not.toContain('JBSWY3DPEHPK3PXP');
    expect(openSecret(ring, sealed)).toEqual({ plaintext: 'JBSWY3DPEHPK3PXP', keyId: 'k1' });
    expect(sealSecret(ring, cryptoRandom, 'x')).not.toBe(sealSecret(ring, cryptoRandom, 'x'));
  });

  it('rotates: old ciphertexts open with the retired key, new ones use the current key', () => {
    const old = sealSecret(ring, cryptoRandom, 'secret');
    const rotated: EncryptionKeyring = { currentKeyId: 'k2', keys: { k1: key(1), k2: key(2) } };
    expect(openSecret(rotated, old)).toEqual({ plaintext: 'secret', keyId: 'k1' });
    expect(sealSecret(rotated, cryptoRandom, 'secret')).toMatch(/^v1\.k2\./);
    expect(() => openSecret({ currentKeyId: 'k2', keys: { k2: key(2) } }, old)).toThrow(/unknown key id k1/);
  });

  it('detects tampering, including a swapped key id', () => {
    const sealed = sealSecret(ring, cryptoRandom, 'secret');
    const parts = sealed.split('.');
    const flipped = [...parts.slice(0, 4), `${parts[4]!.slice(0, -2)}AA`].join('.');
    expect(() => openSecret(ring, flipped)).toThrow();
    const relabelled = sealed.replace('v1.k1.', 'v1.k9.');
    expect(() => openSecret({ currentKeyId: 'k1', keys: { k1: key(1), k9: key(1) } }, relabelled)).toThrow();
  });
});

describe('backup codes', () => {
  it('makes 10 codes of 80 bits, grouped for reading aloud', () => {
    const codes = generateBackupCodes(cryptoRandom);
    expect(codes).toHaveLength(10);
    for (const c of codes) expect(c).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
    expect(new Set(codes).size).toBe(10);
  });

  it('forgives case, spaces, dashes and look-alike letters', () => {
    expect(normalizeBackupCode('abcd-efgh-jkmn-pqrs')).toBe('ABCDEFGHJKMNPQRS');
    expect(normalizeBackupCode(' o0il 1234 5678 9abc ')).toBe('0011123456789ABC');
    expect(normalizeBackupCode('short')).toBeNull();
    expect(normalizeBackupCode('UUUU-UUUU-UUUU-UUUU')).toBeNull();
  });

  it('stores a keyed hash only', () => {
    const h = hashBackupCode('pepper'.repeat(6), 'ABCDEFGHJKMNPQRS');
    expect(h).not.toContain('ABCDEFGH');
    expect(hashBackupCode('other'.repeat(7), 'ABCDEFGHJKMNPQRS')).not.toBe(h);
  });
});
