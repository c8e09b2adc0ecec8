import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './redisServer';

const ROOT = join(__dirname, '../..');

export type DemoProcess = { url: string; pid: number; outbox: string; lastCode(): string; stop(): Promise<void>; output(): string };

/** Runs the built demo server (`dist/`, or another build's `server`) as `npm start` would, with an SMS outbox file. */
export async function startDemoProcess(env: Record<string, string> = {}, server = join(ROOT, 'dist/src/demo/server.js')): Promise<DemoProcess> {
  if (!existsSync(server)) throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
  const port = await freePort();
  const outbox = join(mkdtempSync(join(tmpdir(), 'stepguard-outbox-')), 'outbox.jsonl');
  let output = '';
  const child: ChildProcess = spawn(process.execPath, [server], {
    // localhost, not 127.0.0.1: WebAuthn needs a domain as RP ID, and localhost is a secure context.
    env: { PATH: process.env.PATH, PORT: String(port), APP_ORIGIN: `http://localhost:${port}`, SMS_OUTBOX_FILE: outbox, NODE_ENV: 'development', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`demo exited: ${output}`);
    if (Date.now() > deadline) throw new Error(`demo did not start: ${output}`);
    const up = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
    if (up) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `http://localhost:${port}`,
    pid: child.pid as number,
    outbox,
    output: () => output,
    lastCode() {
      const lines = readFileSync(outbox, 'utf8').trim().split('\n');
      const body = (JSON.parse(lines.at(-1) as string) as { body: string }).body;
      const code = /#(\d{6})\s*$/.exec(body)?.[1];
      if (!code) throw new Error(`no code in ${body}`);
      return code;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
