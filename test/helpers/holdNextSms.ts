import type { TestApp } from './createTestApp';

/**
 * Holds the next message the recording provider sends, after it went out, until `release()`:
 * a send request is then in flight with its code already delivered (`entered` resolves then),
 * so a test can run another request across it (a verify, a step-up) before it answers.
 */
export function holdNextSms(t: TestApp): { entered: Promise<void>; release: () => void } {
  let release!: () => void;
  let enter!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const entered = new Promise<void>((resolve) => (enter = resolve));
  const send = t.sms.send.bind(t.sms);
  let holdNext = true;
  t.sms.send = async (...args) => {
    const sent = await send(...args);
    if (holdNext) {
      holdNext = false;
      enter();
      await released;
    }
    return sent;
  };
  return { entered, release };
}
