import type { SmsProvider } from 'stepguard';

/**
 * A development stand-in for an SMS gateway: each message is printed to the terminal, so you
 * can read the code there. It is a delivery channel, not a log, which is why it may print codes,
 * and why it refuses to run in production. Put your gateway's API call in `send()`, or use one of
 * the providers in 'stepguard/sms' (Twilio, Vonage, a generic HTTP provider).
 */
export function createTerminalSmsProvider(environment = process.env.NODE_ENV): SmsProvider {
  if (environment === 'production') throw new Error('terminalSmsProvider prints codes: configure a real SMS provider in production');
  let sent = 0;
  return {
    name: 'terminal',
    async send(message) {
      sent += 1;
      process.stdout.write(`\n[sms to ${message.to.slice(0, 2)}…${message.to.slice(-2)}]\n${message.body}\n\n`);
      return { providerMessageId: `terminal-${sent}`, status: 'delivered' };
    },
  };
}
