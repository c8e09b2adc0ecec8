import { countSmsSegments, renderSmsCodeMessage } from '../../src/core/messages';

describe('countSmsSegments', () => {
  it('counts GSM-7 septets, with extension characters as two', () => {
    expect(countSmsSegments('a'.repeat(160))).toEqual({ encoding: 'GSM-7', units: 160, segments: 1 });
    expect(countSmsSegments('a'.repeat(161))).toEqual({ encoding: 'GSM-7', units: 161, segments: 2 });
    expect(countSmsSegments('€'.repeat(80))).toEqual({ encoding: 'GSM-7', units: 160, segments: 1 });
    expect(countSmsSegments('a'.repeat(306))).toMatchObject({ segments: 2 });
    expect(countSmsSegments('a'.repeat(307))).toMatchObject({ segments: 3 });
  });

  it('switches to UCS-2 for characters outside GSM 03.38', () => {
    expect(countSmsSegments('ż'.repeat(70))).toEqual({ encoding: 'UCS-2', units: 70, segments: 1 });
    expect(countSmsSegments('ż'.repeat(71))).toEqual({ encoding: 'UCS-2', units: 71, segments: 2 });
    expect(countSmsSegments('😀')).toEqual({ encoding: 'UCS-2', units: 2, segments: 1 });
  });
});

describe('renderSmsCodeMessage', () => {
  it('puts the code first and the WebOTP origin line last, in one GSM-7 segment', () => {
    const text = renderSmsCodeMessage({ code: '123456', serviceName: 'stepguard', webOtpHost: 'example.com' });
    expect(text).toBe('123456 is your stepguard verification code. Do not share it.\n\n@example.com #123456');
    expect(countSmsSegments(text)).toMatchObject({ encoding: 'GSM-7', segments: 1 });
  });

  it('names the amount and payee of a transaction', () => {
    const text = renderSmsCodeMessage({ code: '123456', serviceName: 'bank', webOtpHost: 'bank.example', transaction: { amount: '250.00', payee: 'ACME Ltd' } });
    expect(text).toContain('approve a transfer of 250.00 to ACME Ltd.');
    expect(text.split('\n').at(-1)).toBe('@bank.example #123456');
  });

  it('shortens a long or non-GSM payee to keep one segment, never dropping it', () => {
    const text = renderSmsCodeMessage({
      code: '123456',
      serviceName: 'bank',
      webOtpHost: 'bank.example',
      transaction: { amount: '999999.99', payee: 'Żabka Polska Spółka z ograniczoną odpowiedzialnością Oddział Warszawa' },
    });
    expect(countSmsSegments(text)).toMatchObject({ encoding: 'GSM-7', segments: 1 });
    expect(text).toContain('to Zabka Polska');
    expect(text.split('\n').at(-1)).toBe('@bank.example #123456');
  });
});
