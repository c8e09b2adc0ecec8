import { randomBytes } from 'node:crypto';
import { formFieldsOf, FORM_STASH_LIMITS, isSecretFieldName, openFormStash, sealFormStash, type FormStashInput } from '../../src/core/forms';
import type { EncryptionKeyring } from '../../src/core/crypto/secretBox';
import { sealSecret } from '../../src/core/crypto/secretBox';
import { cryptoRandom } from '../../src/core/random';
import { fakeClock } from '../helpers/fakeClock';

const keyring: EncryptionKeyring = { currentKeyId: 'k1', keys: { k1: randomBytes(32) } };
const form: FormStashInput = {
  userId: 'u1',
  bindingId: 'b1',
  action: 'settings',
  method: 'POST',
  path: '/settings?tab=1',
  fields: [
    ['name', 'Alice'],
    ['topics', 'a'],
    ['topics', 'b'],
  ],
};

describe('sealFormStash / openFormStash', () => {
  it('opens for the same user, session binding and action, before the expiry', () => {
    const clock = fakeClock();
    const { stash, expiresAtMs } = sealFormStash({ keyring, random: cryptoRandom, clock, form });
    expect(expiresAtMs).toBe(clock.nowMs() + 300_000);
    expect(stash.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(stash.sealed).not.toContain('Alice');
    clock.advanceSeconds(299);
    const opened = openFormStash({ keyring, clock, stash, userId: 'u1', bindingId: 'b1' });
    expect(opened).toEqual({ ok: true, form: expect.objectContaining({ id: stash.id, method: 'POST', path: '/settings?tab=1', fields: form.fields, action: 'settings' }) });
  });

  it('is expired from 5 minutes on (injected clock)', () => {
    const clock = fakeClock();
    const { stash } = sealFormStash({ keyring, random: cryptoRandom, clock, form });
    clock.advanceSeconds(300);
    expect(openFormStash({ keyring, clock, stash, userId: 'u1', bindingId: 'b1' })).toEqual({ ok: false, reason: 'expired' });
  });

  it.each([
    ['another user', { userId: 'u2' }],
    ['another session binding', { bindingId: 'b2' }],
  ])('does not open for %s', (_what, who) => {
    const clock = fakeClock();
    const { stash } = sealFormStash({ keyring, random: cryptoRandom, clock, form });
    expect(openFormStash({ keyring, clock, stash, userId: 'u1', bindingId: 'b1', ...who })).toEqual({ ok: false, reason: 'malformed' });
  });

  it('does not open when the id, action or transaction digest next to it was changed, or the ciphertext altered', () => {
    const clock = fakeClock();
    const { stash } = sealFormStash({ keyring, random: cryptoRandom, clock, form: { ...form, txDigest: 'digest-a' } });
    const open = (s: typeof stash) => openFormStash({ keyring, clock, stash: s, userId: 'u1', bindingId: 'b1' });
    expect(open(stash).ok).toBe(true);
    expect(open({ ...stash, id: 'AAAAAAAAAAAAAAAAAAAAAA' })).toEqual({ ok: false, reason: 'malformed' });
    expect(open({ ...stash, action: 'login' })).toEqual({ ok: false, reason: 'malformed' });
    expect(open({ ...stash, txDigest: 'digest-b' })).toEqual({ ok: false, reason: 'malformed' });
    const { txDigest: _dropped, ...withoutDigest } = stash;
    expect(open(withoutDigest)).toEqual({ ok: false, reason: 'malformed' });
    const parts = stash.sealed.split('.');
    const data = Buffer.from(parts[4] as string, 'base64url');
    data[0] = (data[0] as number) ^ 1;
    parts[4] = data.toString('base64url');
    expect(open({ ...stash, sealed: parts.join('.') })).toEqual({ ok: false, reason: 'malformed' });
    for (const sealed of ['', 'fs1', 'fs1.k1.a.b.c.d', 'fs1.k9.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA.AA', 'v1.k1.x.y.z']) {
      expect(open({ ...stash, sealed })).toEqual({ ok: false, reason: 'malformed' });
    }
  });

  it('is not a TOTP secret box: a value sealed by sealSecret under the same key does not open', () => {
    const clock = fakeClock();
    const { stash } = sealFormStash({ keyring, random: cryptoRandom, clock, form });
    const other = sealSecret(keyring, cryptoRandom, JSON.stringify({ method: 'POST', path: '/x', fields: [], createdAtMs: 0, expiresAtMs: 9e15 })).replace(/^v1\./, 'fs1.');
    expect(openFormStash({ keyring, clock, stash: { ...stash, sealed: other }, userId: 'u1', bindingId: 'b1' })).toEqual({ ok: false, reason: 'malformed' });
  });

  it('opens after a key rotation while the old key stays in the keyring', () => {
    const clock = fakeClock();
    const { stash } = sealFormStash({ keyring, random: cryptoRandom, clock, form });
    const rotated: EncryptionKeyring = { currentKeyId: 'k2', keys: { ...keyring.keys, k2: randomBytes(32) } };
    expect(openFormStash({ keyring: rotated, clock, stash, userId: 'u1', bindingId: 'b1' }).ok).toBe(true);
    expect(openFormStash({ keyring: { currentKeyId: 'k2', keys: { k2: rotated.keys.k2 as Buffer } }, clock, stash, userId: 'u1', bindingId: 'b1' })).toEqual({ ok: false, reason: 'malformed' });
  });
});

describe('formFieldsOf', () => {
  it('keeps order and repeated names, and leaves the CSRF field out', () => {
    expect(formFieldsOf({ _csrf: 't', a: '1', b: ['2', '3'] }, { csrfField: '_csrf' })).toEqual({ ok: true, fields: [['a', '1'], ['b', '2'], ['b', '3']] });
    expect(formFieldsOf(Object.assign(Object.create(null), { token: 't', a: '1' }), { csrfField: 'token' })).toEqual({ ok: true, fields: [['a', '1']] });
  });

  it.each([
    ['a nested body', { a: { b: '1' } }],
    ['a number', { a: 1 }],
    ['an array of objects', { a: [{}] }],
    ['no body', undefined],
    ['an array', ['a']],
    ['a class instance', new Date()],
  ])('refuses %s as not a form', (_what, body) => {
    expect(formFieldsOf(body, { csrfField: '_csrf' })).toEqual({ ok: false, reason: 'not_a_form' });
  });

  it('refuses more than 8 KiB of names and values, counted in UTF-8, and more than 100 fields', () => {
    expect(formFieldsOf({ a: 'x'.repeat(FORM_STASH_LIMITS.maxFieldBytes - 1) }, { csrfField: '_csrf' }).ok).toBe(true);
    expect(formFieldsOf({ a: 'x'.repeat(FORM_STASH_LIMITS.maxFieldBytes) }, { csrfField: '_csrf' })).toEqual({ ok: false, reason: 'too_large' });
    expect(formFieldsOf({ a: 'é'.repeat(FORM_STASH_LIMITS.maxFieldBytes / 2) }, { csrfField: '_csrf' })).toEqual({ ok: false, reason: 'too_large' });
    const many = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`f${i}`, 'v']));
    expect(formFieldsOf(many, { csrfField: '_csrf' })).toEqual({ ok: false, reason: 'too_many_fields' });
    expect(formFieldsOf({ a: Array.from({ length: 101 }, () => 'v') }, { csrfField: '_csrf' })).toEqual({ ok: false, reason: 'too_many_fields' });
  });
});

describe('isSecretFieldName', () => {
  it.each(['password', 'currentPassword', 'new-password', 'PASSWORD_CONFIRM', 'pin', 'card_pin', 'cardNumber', 'cvc', 'otp', 'api_key', 'clientSecret', 'accessToken', '_csrf', 'passphrase', 'iban'])('hides %s', (name) => {
    expect(isSecretFieldName(name)).toBe(true);
  });
  it.each(['displayName', 'bio', 'amount', 'payee', 'topics', 'footprint', 'shipping', 'className', 'compass', 'passenger_count'])('shows %s', (name) => {
    expect(isSecretFieldName(name)).toBe(false);
  });
});
