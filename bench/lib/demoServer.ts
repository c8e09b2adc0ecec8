import { join } from 'node:path';
import { freePort } from '../../test/helpers/redisServer';
import { spawnServer, type RunningServer } from './spawnServer';

export const ROOT = join(__dirname, '../../..');

/** The demo (dist/src/demo/server.js) on `redisUrl`, its SMS in `outbox`, bench-1..N seeded. */
export async function startDemo(options: { redisUrl: string; outbox: string; benchUsers: number; nodeArgs?: string[]; cwd?: string }): Promise<RunningServer> {
  return spawnServer({
    script: join(ROOT, 'dist/src/demo/server.js'),
    port: await freePort(),
    env: {
      REDIS_URL: options.redisUrl,
      SMS_PROVIDER: 'outbox',
      SMS_OUTBOX_FILE: options.outbox,
      DEMO_BENCH_USERS: String(options.benchUsers),
      LOG_LEVEL: 'warn',
      NODE_ENV: 'development',
    },
    ...(options.nodeArgs ? { nodeArgs: options.nodeArgs } : {}),
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
}

/** The bench account `bench-i`'s number, as seedDemoAccounts binds it. */
export function demoPhoneOf(i: number): string {
  return `+1${201 + Math.floor((i - 1) / 100)}55501${String((i - 1) % 100).padStart(2, '0')}`;
}
