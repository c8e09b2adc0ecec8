import { spawn, type ChildProcess } from 'node:child_process';
import { stopChild } from '../../test/helpers/redisServer';

export type RunningServer = { base: string; pid: number; child: ChildProcess; stop(): Promise<void> };

/**
 * Starts a Node server in its own process (so its main thread's CPU can be read apart from the
 * load generator's) and resolves once GET /healthz answers 200.
 */
export async function spawnServer(options: { script: string; port: number; env: Record<string, string>; nodeArgs?: string[]; cwd?: string; startupMs?: number }): Promise<RunningServer> {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), options.script], {
    env: { PATH: process.env.PATH ?? '', PORT: String(options.port), ...options.env },
    stdio: ['ignore', 'ignore', 'pipe'],
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
  const base = `http://127.0.0.1:${options.port}`;
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    if (stderr.length < 20_000) stderr += d.toString();
  });
  const deadline = Date.now() + (options.startupMs ?? 90_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${options.script} exited: ${stderr}`);
    try {
      if ((await fetch(`${base}/healthz`)).ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) {
      await stopChild(child);
      throw new Error(`${options.script} did not start: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { base, pid: child.pid as number, child, stop: () => stopChild(child) };
}
