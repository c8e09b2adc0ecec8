import { readFileSync } from 'node:fs';

/** The newest code sent to `to` in a JSONL outbox (`{ to, body, at }`, the code as `#123456` at the end of the body). */
export function codeFor(outbox: string, to: string): { code: string; atMs: number } {
  const lines = readFileSync(outbox, 'utf8').trim().split('\n').reverse();
  for (const line of lines) {
    const m = JSON.parse(line) as { to: string; body: string; at: string };
    if (m.to === to) return { code: (/#(\d{6})\s*$/.exec(m.body) as RegExpExecArray)[1] as string, atMs: Date.parse(m.at) };
  }
  throw new Error(`no code sent to ${to}`);
}
