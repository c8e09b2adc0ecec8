import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeRequest = { method: string; path: string; headers: IncomingMessage['headers']; rawBody: string; json: () => Record<string, unknown>; form: () => URLSearchParams };
export type FakeReply = { status: number; body?: unknown; headers?: Record<string, string> } | 'hang';

/**
 * A provider's HTTP API on loopback, started by a test: it records every request exactly as
 * received and answers from a script (201, 429 with Retry-After, 500, or hang), falling back
 * to `defaultReply` once the script runs out.
 */
export type FakeSmsProviderServer = {
  url: string;
  requests: FakeRequest[];
  /** What it answered, in the same order as `requests`. */
  replies: FakeReply[];
  script: FakeReply[];
  defaultReply: (request: FakeRequest) => FakeReply;
  close(): Promise<void>;
};

export async function startFakeSmsProviderServer(defaultReply: (request: FakeRequest) => FakeReply): Promise<FakeSmsProviderServer> {
  const hanging = new Set<ServerResponse>();
  const state: FakeSmsProviderServer = {
    url: '',
    requests: [],
    replies: [],
    script: [],
    defaultReply,
    close: async () => undefined,
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const request: FakeRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        rawBody,
        json: () => JSON.parse(rawBody) as Record<string, unknown>,
        form: () => new URLSearchParams(rawBody),
      };
      state.requests.push(request);
      const reply = state.script.shift() ?? state.defaultReply(request);
      state.replies.push(reply);
      if (reply === 'hang') {
        hanging.add(res);
        return;
      }
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}

let counter = 0;
/** The generic provider's happy answer: `201 {id, status}`. */
export const genericAccepted = (): FakeReply => ({ status: 201, body: { id: `gen-${++counter}`, status: 'accepted' } });
