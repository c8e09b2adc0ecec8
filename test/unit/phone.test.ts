import { maskPhone, normalizePhone } from '../../src/core/phone';

describe('phone numbers', () => {
  it('masks all but the country code and the last two digits', () => {
    expect(maskPhone('+14155550123')).toBe('+1 ••••••••23');
    expect(maskPhone('+447700900123', '44')).toBe('+44 ••••••••23');
  });

  it('normalises E.164 and national input', () => {
    expect(normalizePhone('+1 (415) 555-0123')).toMatchObject({ ok: true, e164: '+14155550123', country: 'US' });
    expect(normalizePhone('07400 123456', 'GB')).toMatchObject({ ok: true, e164: '+447400123456', country: 'GB', lineType: 'MOBILE' });
  });

  it.each([
    ['letters', 'call me', 'not_a_number'],
    ['too short', '+1 23', 'too_short'],
    ['too long', '+1234567890123456', 'too_long'],
    ['invalid', '+1 000 000 0000', 'invalid'],
  ])('refuses %s', (_label, input, detail) => {
    expect(normalizePhone(input)).toEqual({ ok: false, reason: 'invalid_phone', detail });
  });
});
