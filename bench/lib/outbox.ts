import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

type Sent = { code: string; atMs: number };
type Tail = { offset: number; partial: string; latest: Map<string, Sent> };

// Each outbox is read once, as it grows: the newest code per recipient is kept, and a lookup
// reads only the bytes appended since the last one. Re-reading the whole file per step-up cost
// the load generator a share of the CPU that the servers it measures compete for.
const tails = new Map<string, Tail>();

function catchUp(outbox: string, tail: Tail): void {
  let fd: number;
  try {
    fd = openSync(outbox, 'r');
  } catch {
    return; // Nothing sent yet.
  }
  try {
    const size = fstatSync(fd).size;
    if (size < tail.offset) Object.assign(tail, { offset: 0, partial: '', latest: new Map() }); // A new file at the same path.
    if (size === tail.offset) return;
    const buf = Buffer.alloc(size - tail.offset);
    const read = readSync(fd, buf, 0, buf.length, tail.offset);
    tail.offset += read;
    const lines = (tail.partial + buf.subarray(0, read).toString('utf8')).split('\n');
    tail.partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line) continue;
      const m = JSON.parse(line) as { to: string; body: string; at: string };
      const code = /#(\d{6})\s*$/.exec(m.body)?.[1];
      if (code) tail.latest.set(m.to, { code, atMs: Date.parse(m.at) });
    }
  } finally {
    closeSync(fd);
  }
}

/** The newest code sent to `to` in a JSONL outbox (`{ to, body, at }`, the code as `#123456` at the end of the body). */
export function codeFor(outbox: string, to: string): Sent {
  let tail = tails.get(outbox);
  if (!tail) {
    tail = { offset: 0, partial: '', latest: new Map() };
    tails.set(outbox, tail);
  }
  catchUp(outbox, tail);
  const sent = tail.latest.get(to);
  if (!sent) throw new Error(`no code sent to ${to}`);
  return sent;
}
