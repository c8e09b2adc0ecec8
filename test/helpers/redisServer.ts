import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type RunningRedis = { port: number; url: string; dir: string; process: ChildProcess; stop(): Promise<void> };

/** Whether a `redis-server` binary is on the PATH. */
export function redisServerAvailable(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** A free TCP port on loopback, chosen by the OS. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Starts a real redis-server on loopback (no persistence unless `dir` is reused with SAVE) and
 * resolves once it accepts connections.
 */
export async function startRedisServer(options: { port?: number; dir?: string } = {}): Promise<RunningRedis> {
  const port = options.port ?? (await freePort());
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'stepguard-redis-'));
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--dbfilename', 'dump.rdb'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await waitForReadyLine(child, 'redis-server', 'Ready to accept connections', 10_000);
  child.removeAllListeners('exit');
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    process: child,
    stop: () => stopChild(child),
  };
}

/** Ends a child process with SIGTERM and resolves once it has exited. */
export function stopChild(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

export type RunningCluster = { nodes: { host: string; port: number }[]; stop(): Promise<void> };

/** Three masters with `--cluster-enabled yes` on loopback, joined by `redis-cli --cluster create`. */
export async function startRedisCluster(): Promise<RunningCluster> {
  const servers: RunningRedis[] = [];
  for (let i = 0; i < 3; i += 1) {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'stepguard-cluster-'));
    const child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, 'nodes.conf'), '--save', '', '--appendonly', 'no', '--dir', dir],
      { stdio: 'ignore' },
    );
    servers.push({
      port,
      url: `redis://127.0.0.1:${port}`,
      dir,
      process: child,
      stop: () => stopChild(child),
    });
  }
  const ping = (port: number) => spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout.trim() === 'PONG';
  const deadline = Date.now() + 10_000;
  while (!servers.every((s) => ping(s.port))) {
    if (Date.now() > deadline) throw new Error('cluster nodes did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
  const create = spawnSync('redis-cli', ['--cluster', 'create', ...servers.map((s) => `127.0.0.1:${s.port}`), '--cluster-replicas', '0', '--cluster-yes'], { encoding: 'utf8' });
  if (create.status !== 0) throw new Error(`redis-cli --cluster create failed: ${create.stdout}${create.stderr}`);
  const ok = () => spawnSync('redis-cli', ['-p', String(servers[0]!.port), 'cluster', 'info'], { encoding: 'utf8' }).stdout.includes('cluster_state:ok');
  while (!ok()) {
    if (Date.now() > deadline + 10_000) throw new Error('cluster did not become ok');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    nodes: servers.map((s) => ({ host: '127.0.0.1', port: s.port })),
    stop: async () => {
      await Promise.all(servers.map((s) => s.stop()));
    },
  };
}

/**
 * Resolves once a server started as `child` prints `readyText` (stdout or stderr), rejects when
 * it exits first or `timeoutMs` passes (with what it printed); its output is drained after.
 */
export async function waitForReadyLine(child: ChildProcess, name: string, readyText: string, timeoutMs: number): Promise<void> {
  const command = child.spawnargs.join(' ');
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`${name} did not start (${command}): ${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(readyText)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code}: ${output}`));
    });
  });
  child.stdout?.removeAllListeners('data');
  child.stderr?.removeAllListeners('data');
  child.stdout?.resume();
  child.stderr?.resume();
}
