import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '../..');

/**
 * The real `stepguard` bin: dist/'s when it already has `marker` (`npm test` builds dist/ first),
 * otherwise a private build in a temporary directory, never a rewrite of the shared dist/.
 * `demoServer` is the same build's demo server (`npm start`). `cleanup()` removes a private build.
 */
export function cliBinWith(marker: string): { bin: string; demoServer: string; cleanup(): void } {
  const shared = join(ROOT, 'dist/src/cli/stepguard.js');
  if (existsSync(shared) && readFileSync(shared, 'utf8').includes(marker)) return { bin: shared, demoServer: join(ROOT, 'dist/src/demo/server.js'), cleanup: () => undefined };
  const outDir = mkdtempSync(join(tmpdir(), 'stepguard-cli-'));
  // Type errors elsewhere in a working tree do not stop the emit; a missing bin below does.
  spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', outDir], { cwd: ROOT, stdio: 'ignore' });
  const bin = join(outDir, 'src/cli/stepguard.js');
  if (!existsSync(bin)) throw new Error(`cliBinWith: the private build made no ${bin}`);
  // So that the build finds its package folder (views/) and dependencies as dist/ would.
  for (const name of ['package.json', 'views', 'node_modules']) symlinkSync(join(ROOT, name), join(outDir, name));
  return { bin, demoServer: join(outDir, 'src/demo/server.js'), cleanup: () => rmSync(outDir, { recursive: true, force: true }) };
}

export type CliResult = { code: number | null; stdout: string; stderr: string };

/**
 * Runs the bin without blocking this process (a node under test in this process must be able to
 * answer it), with only PATH, NODE_PATH and `env` in its environment.
 */
export function runCli(bin: string, args: string[], env: Record<string, string | undefined>, timeoutMs = 20_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { PATH: process.env.PATH, NODE_PATH: join(ROOT, 'node_modules'), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
