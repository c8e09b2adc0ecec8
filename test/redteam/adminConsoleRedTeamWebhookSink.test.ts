import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createWebhookAuditSink } from '../../src/audit/sinks/createWebhookAuditSink';
import type { AuditEvent } from '../../src/core/audit/auditChain';
import { cryptoRandom } from '../../src/core/random';
import { fakeClock } from '../helpers/fakeClock';

/**
 * Red team, issue #17: a webhook receiver (compromised, or anything on the path of a plain-http
 * loopback relay) must not be able to hurt the app. The sink reads every answer's body into
 * memory (`response.arrayBuffer()`) for up to timeoutMs (5 s by default): a receiver that
 * answers 200 and keeps sending makes the app buffer hundreds of megabytes per delivery. The
 * body is not needed; at most a small amount of it should ever be read.
 */
const TOTAL_BYTES = 256 * 1024 * 1024;
const CHUNK = Buffer.alloc(1024 * 1024, 0x61);

describe('red team #17: webhook audit sink and a hostile receiver', () => {
  let server: Server;
  let accepted = 0;
  let done: Promise<void>;

  beforeEach(async () => {
    accepted = 0;
    let finish!: () => void;
    done = new Promise((resolve) => (finish = resolve));
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        let sent = 0;
        const pump = () => {
          while (sent < TOTAL_BYTES) {
            sent += CHUNK.length;
            const more = res.write(CHUNK, () => void (accepted += CHUNK.length));
            if (!more) return void res.once('drain', pump);
          }
          res.end(finish);
        };
        res.on('close', finish);
        pump();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('does not read a huge answer body into memory (a receiver cannot push more than a few MB into the app)', async () => {
    const { port } = server.address() as AddressInfo;
    const sink = createWebhookAuditSink(
      { name: 'hostile', url: `http://127.0.0.1:${port}/audit`, secret: 'webhook-secret-0123456789', maxQueue: 10, maxBatch: 10, timeoutMs: 5000, initialBackoffMs: 10, maxBackoffMs: 10 },
      { clock: fakeClock(), random: cryptoRandom, onDropped: () => undefined },
    );
    const event = { id: 'e1', chainId: 'alice', seq: 1, prevMac: '', prevTsMs: null, tsMs: 0, type: 'login_failed', userId: 'alice', actor: 'user', outcome: 'failure', reasons: [], mac: 'x' } as unknown as AuditEvent;
    sink.publish({ kind: 'audit_event', event });
    await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 8000))]);
    await sink.close(1000);
    expect(accepted).toBeLessThan(32 * 1024 * 1024);
  }, 20_000);
});
