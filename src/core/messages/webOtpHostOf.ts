/**
 * The host for the WebOTP line (`@host #code`) of an origin: the host name only. The WebOTP
 * format names a host, not an origin, so a port (`localhost:3000`) would make the browser ignore
 * the message; an internationalised name comes out in its ASCII form (xn--...), as the URL
 * parser serialises it, which is what the browser compares and what keeps the SMS in GSM-7.
 */
export function webOtpHostOf(appOrigin: string): string {
  return new URL(appOrigin).hostname;
}
