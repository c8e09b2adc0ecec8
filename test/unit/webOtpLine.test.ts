import { parseStepGuardOptions } from '../../src/config';
import { webOtpHostOf } from '../../src/core/messages/webOtpHostOf';
import { renderSmsCodeMessage } from '../../src/core/messages/renderSmsCodeMessage';
import { BUILT_IN_TEMPLATES } from '../../src/core/messages/smsTemplates';

/** The WebOTP line a browser reads: the last line, `@host #code` (WICG WebOTP, "SMS format"). */
const lastLine = (text: string) => text.split('\n').at(-1);
const messageFor = (appOrigin: string) => {
  const config = parseStepGuardOptions({ environment: 'test', appOrigin });
  return renderSmsCodeMessage({ code: '123456', serviceName: config.serviceName, webOtpHost: config.webOtpHost, templates: BUILT_IN_TEMPLATES.en });
};

describe('the WebOTP line', () => {
  it('names the host only: no port, no scheme, no path', () => {
    expect(lastLine(messageFor('http://localhost:3000'))).toBe('@localhost #123456');
    expect(lastLine(messageFor('https://bank.example.com:8443/app'))).toBe('@bank.example.com #123456');
    expect(lastLine(messageFor('https://bank.example.com'))).toBe('@bank.example.com #123456');
  });

  it('writes an internationalised host in its ASCII (punycode) form, lower case, so the message stays GSM-7', () => {
    expect(webOtpHostOf('https://Bücher.Example')).toBe('xn--bcher-kva.example');
    expect(lastLine(messageFor('https://bücher.example:444'))).toBe('@xn--bcher-kva.example #123456');
  });

  it('is the last line, after the Android app hash and a blank line', () => {
    const text = renderSmsCodeMessage({ code: '654321', serviceName: 'bank', webOtpHost: webOtpHostOf('https://bank.example:8443'), androidAppHash: 'FA+9qCX9VSu' });
    expect(text.split('\n').slice(-3)).toEqual(['FA+9qCX9VSu', '', '@bank.example #654321']);
  });
});
