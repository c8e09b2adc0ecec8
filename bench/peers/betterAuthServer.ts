import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../test/helpers/redisServer';
import { ROOT } from '../lib/demoServer';
import { spawnServer, type RunningServer } from '../lib/spawnServer';

const DIR = join(ROOT, 'bench/peers/better-auth');

/**
 * Installs the peer's own dependencies from its lock file when they are missing (`npm ci
 * --prefix bench/peers/better-auth`), so better-auth never enters stepguard's dependency tree.
 */
export function ensureBetterAuthInstalled(): void {
  if (existsSync(join(DIR, 'node_modules/better-auth/package.json'))) return;
  process.stdout.write('installing the better-auth peer (npm ci --prefix bench/peers/better-auth)...\n');
  const npm = spawnSync('npm', ['ci', '--prefix', DIR, '--no-audit', '--no-fund'], { stdio: 'inherit' });
  if (npm.status !== 0) throw new Error('npm ci of bench/peers/better-auth failed');
}

/** better-auth's server (bench/peers/better-auth/server.mjs) with bench-1..N@example.com seeded, two-factor on. */
export async function startBetterAuth(options: { databaseUrl: string; redisUrl: string; outbox: string; benchUsers: number }): Promise<RunningServer> {
  return spawnServer({
    script: join(DIR, 'server.mjs'),
    port: await freePort(),
    cwd: DIR,
    env: {
      DATABASE_URL: options.databaseUrl,
      REDIS_URL: options.redisUrl,
      OUTBOX_FILE: options.outbox,
      BENCH_USERS: String(options.benchUsers),
      NODE_ENV: 'production',
    },
  });
}
