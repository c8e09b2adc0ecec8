import { connect } from 'node:net';

/** One request as bytes on a socket, with the ways a malformed client sends its body. */
export type RawCase = {
  method: string;
  path: string;
  headers: [string, string][];
  body: Buffer;
  /** How the body goes out: with its length, cut short (the client then half-closes), or chunked (`badChunk`: a broken chunk). */
  framing: 'length' | 'truncated' | 'chunked' | 'badChunk';
  /** `Connection: close` on the request. */
  close: boolean;
};

export type RawOutcome =
  | { ok: true; status: number; reused: boolean }
  | { ok: false; status: number | null; problem: 'reset' | 'no-response' | 'partial' | 'timeout' | 'second-lost' | 'second-failed'; code?: string };

type Parsed = { status: number; close: boolean; rest: Buffer };

function parseResponse(buf: Buffer, closed: boolean): Parsed | null {
  const text = buf.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const head = text.slice(0, end);
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
  const close = /\r\nconnection:\s*close/i.test(head);
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (length) {
    const done = end + 4 + Number(length[1]);
    return buf.length >= done ? { status, close, rest: buf.subarray(done) } : null;
  }
  if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
    const last = text.indexOf('\r\n0\r\n\r\n', end);
    return last >= 0 ? { status, close, rest: buf.subarray(last + 7) } : null;
  }
  // No length: the body runs to the end of the connection.
  return closed ? { status, close: true, rest: Buffer.alloc(0) } : null;
}

/**
 * Sends `c` over a raw socket the way a real client does: it writes the body in pieces and reads
 * the answer at the same time (a response may come before the body is all sent). A reset or a
 * closed connection before a full response is a failure. When the answer leaves the connection
 * open, a second request (`GET /healthz`) must be answered on it too: the unread rest of the
 * first body must not derail the next request.
 */
export function sendRaw(port: number, c: RawCase, timeoutMs = 15_000): Promise<RawOutcome> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let data: Buffer = Buffer.alloc(0);
    let first: Parsed | null = null;
    let closed = false;
    let written = false;
    let secondSent = false;
    let settled = false;
    const finish = (outcome: RawOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const step = () => {
      if (!first) {
        first = parseResponse(data, closed);
        if (first) data = first.rest;
      }
      if (!first) {
        if (closed) finish({ ok: false, status: null, problem: data.length ? 'partial' : 'no-response' });
        return;
      }
      if (first.close || c.close || c.framing === 'truncated' || c.framing === 'badChunk') return finish({ ok: true, status: first.status, reused: false });
      if (!written) return;
      if (!secondSent) {
        secondSent = true;
        socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
        return;
      }
      const second = parseResponse(data, closed);
      if (second) return finish(second.status === 200 ? { ok: true, status: first.status, reused: true } : { ok: false, status: first.status, problem: 'second-failed' });
      if (closed) finish({ ok: false, status: first.status, problem: 'second-lost' });
    };
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      step();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      closed = true;
      first ??= parseResponse(data, true);
      if (!first) return finish({ ok: false, status: null, problem: 'reset', code: err.code });
      if (secondSent) return finish({ ok: false, status: first.status, problem: 'second-lost', code: err.code });
      finish({ ok: true, status: first.status, reused: false });
    });
    socket.on('close', () => {
      closed = true;
      step();
    });
    const timer = setTimeout(() => finish({ ok: false, status: first?.status ?? null, problem: 'timeout' }), timeoutMs);

    const headers = [...c.headers];
    if (c.close) headers.push(['connection', 'close']);
    if (c.framing === 'chunked' || c.framing === 'badChunk') headers.push(['transfer-encoding', 'chunked']);
    else headers.push(['content-length', String(c.framing === 'truncated' ? c.body.length + 100 : c.body.length)]);
    socket.write(`${c.method} ${c.path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers.map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`);
    void (async () => {
      const write = (bytes: Buffer | string) => new Promise<void>((r) => socket.write(bytes, () => r()));
      if (c.framing === 'badChunk') await write('zz\r\nnot a chunk\r\n0\r\n\r\n');
      for (let offset = 0; c.framing !== 'badChunk' && offset < c.body.length && !settled && !closed; offset += 65_536) {
        const piece = c.body.subarray(offset, offset + 65_536);
        await write(c.framing === 'chunked' ? Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]) : piece);
      }
      if (c.framing === 'chunked' && !settled && !closed) await write('0\r\n\r\n');
      if (c.framing === 'truncated' && !settled) socket.end();
      written = true;
      if (!settled) step();
    })();
  });
}
