import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type WebhookReceiver = Awaited<ReturnType<typeof startAuditWebhookReceiver>>;

/**
 * A SIEM-like receiver on loopback: checks `X-Stepguard-Signature` (HMAC-SHA256 over
 * `<timestamp>.<raw body>`) the way a real one would, stores every record it accepted as one
 * JSON line (duplicates included, as a naive store would), and can be made to fail:
 * `503` (refused, nothing stored), `lostAnswer` (stored, then 503: the sender must retry and
 * the receiver sees duplicates) or `down` (not listening: connection refused).
 */
export async function startAuditWebhookReceiver(secret: string) {
  const lines: string[] = [];
  let badSignatures = 0;
  let deliveries = 0;
  let mode: 'ok' | '503' | 'lostAnswer' = 'ok';
  let server: Server | null = null;
  let port = 0;

  const listen = () =>
    new Promise<void>((resolve) => {
      server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          deliveries += 1;
          const raw = Buffer.concat(chunks).toString('utf8');
          const ts = String(req.headers['x-stepguard-timestamp'] ?? '');
          const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(`${ts}.${raw}`).digest('hex')}`);
          const given = Buffer.from(String(req.headers['x-stepguard-signature'] ?? ''));
          if (!/^\d+$/.test(ts) || given.length !== expected.length || !timingSafeEqual(given, expected)) {
            badSignatures += 1;
            res.writeHead(401).end();
            return;
          }
          if (mode === '503') {
            res.writeHead(503).end();
            return;
          }
          const body = JSON.parse(raw) as { batchId: string; records: unknown[] };
          for (const record of body.records) lines.push(JSON.stringify(record));
          res.writeHead(mode === 'lostAnswer' ? 503 : 204).end();
        });
      });
      (server as Server).listen(port, '127.0.0.1', () => {
        port = ((server as Server).address() as AddressInfo).port;
        resolve();
      });
    });
  await listen();

  return {
    url: () => `http://127.0.0.1:${port}/audit`,
    lines,
    records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
    badSignatures: () => badSignatures,
    deliveries: () => deliveries,
    setMode(next: 'ok' | '503' | 'lostAnswer') {
      mode = next;
    },
    /** Stops listening: the sender's connections are refused until `up()`. */
    async down() {
      const s = server;
      server = null;
      if (s) {
        s.closeAllConnections();
        await new Promise<void>((resolve) => s.close(() => resolve()));
      }
    },
    /** Listens again on the same port. */
    up: listen,
    async close() {
      await this.down();
    },
  };
}
