import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createSyslogAuditSink } from '../../src/audit/sinks/createSyslogAuditSink';
import type { AuditEvent } from '../../src/core/audit/auditChain';
import { cryptoRandom } from '../../src/core/random';

/**
 * Red team, issue #17 ("a receiver able to stall the app"). A syslog listener that accepts the
 * TCP connection and then never reads: once the kernel buffers are full, the sink's write
 * callback never comes, and close() ends the socket with `s.end(resolve)`, whose 'finish' needs
 * the peer to read. guard.closeAuditSinks(timeoutMs) (the app's shutdown) then never returns,
 * whatever timeoutMs says. close(timeoutMs) must return in about timeoutMs.
 */
describe('red team #17: a syslog listener that never reads', () => {
  let server: Server;
  const sockets: Socket[] = [];
  beforeEach(async () => {
    server = createServer((socket) => {
      socket.pause(); // accepted, never read
      sockets.push(socket);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterEach(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('close(500) returns within a few seconds instead of hanging the shutdown', async () => {
    const { port } = server.address() as AddressInfo;
    const sink = createSyslogAuditSink(
      { name: 'syslog', host: '127.0.0.1', port, appName: 'stepguard', facility: 10, maxQueue: 20_000, maxBatch: 1000, connectTimeoutMs: 1000, initialBackoffMs: 10, maxBackoffMs: 10 },
      { random: cryptoRandom, onDropped: () => undefined },
    );
    const filler = 'x'.repeat(4000);
    for (let seq = 1; seq <= 16_000; seq += 1) {
      const event = { id: `e${seq}`, chainId: 'alice', seq, prevMac: '', prevTsMs: null, tsMs: 0, type: 'login_failed', userId: 'alice', actor: 'user', outcome: 'failure', reasons: [filler], mac: 'x' } as unknown as AuditEvent;
      sink.publish({ kind: 'audit_event', event });
    }
    // Let the sink connect and write until the kernel buffers are full.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const started = Date.now();
    const closed = await Promise.race([sink.close(500).then(() => 'closed'), new Promise((resolve) => setTimeout(() => resolve('still hanging'), 5000))]);
    expect(closed).toBe('closed');
    expect(Date.now() - started).toBeLessThan(5000);
  }, 20_000);
});
