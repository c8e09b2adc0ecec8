import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../helpers/redisServer';

const ROOT = join(__dirname, '../..');
const run = promisify(execFile);

type PackageJson = { scripts?: Record<string, string>; dependencies?: Record<string, string>; devDependencies?: Record<string, string> };

/**
 * Installs `examples/<name>` the way `npm install` would from its own package.json, without a
 * registry: the example is copied to a temporary directory and each dependency it declares
 * becomes a symlink into this repository's node_modules. `stepguard` links to this repository,
 * so its package.json `exports` and the built dist/ are what the example imports, exactly as
 * from an installed package; `express` declared as ^4 links to the `express4` alias. A
 * dependency the example uses but does not declare is not there, and the example fails.
 */
export function installExample(name: string): string {
  if (!existsSync(join(ROOT, 'dist/src/index.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
  const dir = join(mkdtempSync(join(tmpdir(), `stepguard-example-${name}-`)), name);
  cpSync(join(ROOT, 'examples', name), dir, { recursive: true, filter: (src) => !/[\\/](node_modules|dist)$/.test(src) });
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;
  const declared = { ...pkg.dependencies, ...pkg.devDependencies };
  for (const [dep, range] of Object.entries(declared)) {
    const target = dep === 'stepguard' ? ROOT : dep === 'express' && /^\^?4\./.test(range) ? join(ROOT, 'node_modules/express4') : join(ROOT, 'node_modules', dep);
    if (!existsSync(target)) throw new Error(`examples/${name} depends on ${dep}, which this repository does not have installed`);
    const link = join(dir, 'node_modules', dep);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(target, link, 'dir');
  }
  return dir;
}

/** Runs the example's `build` script (`tsc ...`), if it has one, with the linked TypeScript. */
export async function buildExample(dir: string): Promise<void> {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;
  const build = pkg.scripts?.build;
  if (!build) return;
  const [bin, ...args] = build.split(/\s+/);
  if (bin !== 'tsc') throw new Error(`the example's build script should be "tsc ...", not "${build}"`);
  try {
    await run(process.execPath, [join(dir, 'node_modules/typescript/bin/tsc'), ...args], { cwd: dir });
  } catch (err) {
    const { stdout, stderr } = err as { stdout?: string; stderr?: string };
    throw new Error(`tsc failed in the example:\n${stdout ?? ''}${stderr ?? ''}`);
  }
}

export type RunningExample = {
  url: string;
  /** Everything the process printed (stdout and stderr). */
  output(): string;
  /** The codes of every text message the example printed so far, oldest first. */
  codes(): string[];
  /** Waits until the example printed its `count`-th text message and returns that code. */
  waitForCode(count: number): Promise<string>;
  stop(): Promise<void>;
};

/**
 * Starts the example as `npm start` would (its start script must be `node <file>`), on a free
 * port, and waits until it answers. Text messages are read from what it prints: both examples
 * print each message to the terminal, and each message ends with its WebOTP line `@host #code`.
 */
export async function startExample(dir: string, env: Record<string, string> = {}): Promise<RunningExample> {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;
  const start = /^node (\S+)$/.exec(pkg.scripts?.start ?? '');
  if (!start?.[1]) throw new Error(`the example's start script should be "node <file>", not "${pkg.scripts?.start}"`);
  const port = await freePort();
  let output = '';
  const child: ChildProcess = spawn(process.execPath, [start[1]], {
    cwd: dir,
    env: { PATH: process.env.PATH, PORT: String(port), NODE_ENV: 'development', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const url = `http://localhost:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the example exited (${child.exitCode}):\n${output}`);
    if (Date.now() > deadline) throw new Error(`the example did not answer within 15 s:\n${output}`);
    if (await fetch(`http://127.0.0.1:${port}/`).then((r) => r.status < 500, () => false)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const codes = () => [...output.matchAll(/^@\S+ #(\d{4,10})\s*$/gm)].map((m) => m[1] as string);
  return {
    url,
    output: () => output,
    codes,
    async waitForCode(count) {
      const until = Date.now() + 8000;
      while (codes().length < count) {
        if (Date.now() > until) throw new Error(`text message #${count} never came; the example printed:\n${output}`);
        await new Promise((r) => setTimeout(r, 25));
      }
      return codes()[count - 1] as string;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Removes what installExample made. */
export function removeExample(dir: string): void {
  rmSync(dirname(dir), { recursive: true, force: true });
}
