import type { Server } from 'node:http';
import pino from 'pino';
import type { SecurityEvent } from '../../src/config';
import { createDemoApp, type DemoAppOptions } from '../../src/demo/createDemoApp';
import { combineStores } from '../../src/stores/combineStores';
import { createMemoryDurableStores, createMemoryStores } from '../../src/stores/memory/createMemoryStores';
import type { MemoryAuditStore } from '../../src/stores/memory/MemoryAuditStore';
import { fakeClock, type FakeClock } from './fakeClock';
import { RecordingSmsProvider } from './RecordingSmsProvider';
import { freePort } from './redisServer';

export type ClockedDemoServer = {
  /** `http://localhost:<port>`: the app's origin, so passkeys (rpID localhost) work in Chromium. */
  url: string;
  clock: FakeClock;
  sms: RecordingSmsProvider;
  stores: ReturnType<typeof combineStores>;
  audit: MemoryAuditStore;
  /** What onSecurityEvent was told. */
  events: SecurityEvent[];
  guard: Awaited<ReturnType<typeof createDemoApp>>['guard'];
  close(): Promise<void>;
};

/**
 * The demo on a port of its own for browser tests that need a fake clock (grace periods,
 * snoozes, rate limits) and passkeys: appOrigin is `http://localhost:<port>`, SMS are recorded,
 * the audit trail and the security events can be read.
 */
export async function startClockedDemoServer(options: { guardOptions?: DemoAppOptions['guardOptions']; trustProxy?: boolean } = {}): Promise<ClockedDemoServer> {
  const port = await freePort();
  const url = `http://localhost:${port}`;
  const clock = fakeClock();
  const sms = new RecordingSmsProvider();
  const events: SecurityEvent[] = [];
  const durable = createMemoryDurableStores();
  const stores = combineStores(createMemoryStores(), durable);
  const { app, guard } = await createDemoApp({
    appOrigin: url,
    stores,
    smsProvider: sms,
    clock,
    logger: pino({ level: 'silent' }),
    environment: 'test',
    sessionSecret: 'clocked-demo-session-secret-0123456789abcdefgh',
    pepper: 'clocked-demo-pepper-0123456789abcdefghijklmnopq',
    ...(options.trustProxy ? { trustProxy: true } : {}),
    guardOptions: { onSecurityEvent: (e: SecurityEvent) => void events.push(e), ...options.guardOptions },
  });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(port, '127.0.0.1', () => resolve(s));
  });
  return {
    url,
    clock,
    sms,
    stores,
    audit: durable.audit as MemoryAuditStore,
    events,
    guard,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
