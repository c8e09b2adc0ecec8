import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort, stopChild, waitForReadyLine } from '../../test/helpers/redisServer';

export type RunningPostgres = { port: number; url: string; stop(): Promise<void> };

/**
 * The directory holding `postgres` and `initdb`: PG_BIN if set, else /usr/local/bin (this
 * project's machine), else Debian's /usr/lib/postgresql/<newest>/bin (CI's `postgresql`
 * package), else the PATH. Undefined when there is none.
 */
export function findPostgresBin(): string | undefined {
  const candidates = [process.env.PG_BIN, '/usr/local/bin'];
  if (existsSync('/usr/lib/postgresql')) {
    const versions = readdirSync('/usr/lib/postgresql').filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => `/usr/lib/postgresql/${v}/bin`));
  }
  for (const dir of candidates) if (dir && existsSync(join(dir, 'postgres')) && existsSync(join(dir, 'initdb'))) return dir;
  const which = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' });
  const onPath = which.status === 0 ? which.stdout.trim() : '';
  return onPath ? onPath.replace(/\/initdb$/, '') : undefined;
}

/**
 * Starts a throw-away Postgres on loopback in a temp directory (trust auth, its `postgres`
 * database), like test/helpers/redisServer.ts does for Redis. Postgres refuses to run as root:
 * as root, the cluster belongs to the `postgres` user (Debian's package creates it) or `nobody`.
 * synchronous_commit=off: the bench measures CPU per step-up, not the disk's fsync latency
 * (the Redis next to it keeps nothing on disk either).
 */
export async function startPostgres(bin: string): Promise<RunningPostgres> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'stepguard-pg-'));
  const data = join(dir, 'data');
  const owner = userInfo().uid === 0 ? runAsUser() : undefined;
  if (owner) {
    chownSync(dir, owner.uid, owner.gid);
    chmodSync(dir, 0o700);
  }
  const asOwner = owner ? { uid: owner.uid, gid: owner.gid } : {};
  const init = spawnSync(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--locale=C'], { encoding: 'utf8', ...asOwner });
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr || init.stdout}`);
  const child: ChildProcess = spawn(
    join(bin, 'postgres'),
    ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'synchronous_commit=off', '-c', 'max_connections=60'],
    { stdio: ['ignore', 'pipe', 'pipe'], ...asOwner },
  );
  await waitForReadyLine(child, 'postgres', 'ready to accept connections', 20_000);
  child.removeAllListeners('exit');
  return {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function runAsUser(): { uid: number; gid: number } {
  for (const name of ['postgres', 'nobody']) {
    const id = spawnSync('id', ['-u', name], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
    if (id.status === 0 && gid.status === 0) return { uid: Number(id.stdout.trim()), gid: Number(gid.stdout.trim()) };
  }
  throw new Error('Postgres will not run as root, and there is no postgres or nobody user to run it as');
}
