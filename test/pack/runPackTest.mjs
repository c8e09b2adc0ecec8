#!/usr/bin/env node
// `npm run test:pack`: builds and packs stepguard, installs the tarball into two fresh apps in
// temp dirs (CommonJS + Express 4 + Passport 0.6; TypeScript strict ESM + Express 5 + Passport
// 0.7) with their other dependencies from the registry, compiles the TypeScript one, starts both
// and walks the step-up over HTTP. Exits non-zero at the first step that fails. Nothing is kept
// outside the temp dir but npm's own cache; the temp dir is removed on success (unless
// STEPGUARD_PACK_KEEP is set) and kept, and named, on failure.
import { cp, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { driveStepUp } from './driveStepUp.mjs';
import { run, startApp } from './processes.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../..');
const startedMs = Date.now();
const log = (text) => console.log(`[test:pack +${((Date.now() - startedMs) / 1000).toFixed(1)}s] ${text}`);
const NPM_INSTALL = ['install', '--no-audit', '--no-fund', '--loglevel=error'];
// Peer dependencies the app must bring itself: stepguard must use the app's copies, not its own.
const PEERS = ['express', 'express-session', 'passport'];
// Types that stepguard's .d.ts need and therefore must arrive with stepguard, not the app.
const TYPES_STEPGUARD_BRINGS = ['@types/express-session', '@types/passport-strategy', '@types/passport'];

const rootManifest = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8'));

const APPS = [
  {
    name: 'cjs-express4',
    source: 'apps/cjsExpress4',
    manifest: (tarball) => ({
      name: 'pack-cjs-express4',
      private: true,
      dependencies: { stepguard: `file:${tarball}`, express: '^4.21.2', 'express-session': '^1.18.1', passport: '^0.6.0', 'passport-local': '^1.0.0' },
    }),
    start: ['node', ['app.js']],
  },
  {
    name: 'ts-esm-express5',
    source: 'apps/tsEsmExpress5',
    manifest: (tarball) => ({
      name: 'pack-ts-esm-express5',
      private: true,
      type: 'module',
      dependencies: { stepguard: `file:${tarball}`, express: '^5.1.0', 'express-session': '^1.18.1', passport: '^0.7.0' },
      // Nothing but what a TypeScript Express app installs anyway: the types for express-session
      // and passport (which stepguard's own .d.ts import) must come with stepguard.
      devDependencies: { typescript: rootManifest.devDependencies.typescript, '@types/node': '^20.19.0', '@types/express': '^5.0.0' },
    }),
    compile: ['node', ['node_modules/typescript/bin/tsc', '-p', '.']],
    start: ['node', ['dist/app.js']],
  },
];

async function exists(path) {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** `npm pack` into `dir`; checks every `exports` target made it into the tarball. */
async function pack(dir) {
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', dir], { cwd: repoRoot });
  const [packed] = JSON.parse(stdout);
  const files = new Set(packed.files.map((f) => f.path));
  const targets = Object.values(rootManifest.exports).flatMap((target) => (typeof target === 'string' ? [target] : Object.values(target)));
  const missing = targets.map((t) => t.replace(/^\.\//, '')).filter((t) => !files.has(t));
  if (missing.length > 0) throw new Error(`the tarball lacks export targets: ${missing.join(', ')} (did the build run? is "files" right?)`);
  const strays = [...files].filter((f) => /^dist\/(test|bench)\//.test(f));
  if (strays.length > 0) throw new Error(`the tarball carries test or bench builds: ${strays.slice(0, 5).join(', ')}`);
  return { tarball: join(dir, packed.filename), fileCount: files.size, sizeBytes: packed.size };
}

/** Creates the app in its own temp dir and installs the tarball and its registry dependencies. */
async function install(app, tarball, workDir) {
  const dir = join(workDir, app.name);
  await mkdir(dir);
  await cp(join(here, app.source), dir, { recursive: true });
  const manifest = app.manifest(tarball);
  const declared = { ...manifest.dependencies, ...manifest.devDependencies };
  const smuggled = TYPES_STEPGUARD_BRINGS.filter((name) => name in declared);
  if (smuggled.length > 0) throw new Error(`${app.name}: must not install ${smuggled.join(', ')} itself`);
  await writeFile(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  await run('npm', NPM_INSTALL, { cwd: dir, timeoutMs: 180_000 });
  for (const peer of PEERS) {
    if (await exists(join(dir, 'node_modules/stepguard/node_modules', peer))) {
      throw new Error(`${app.name}: npm installed a second ${peer} inside stepguard; it must be a peer dependency that uses the app's copy`);
    }
  }
  log(`${app.name}: installed`);
  return dir;
}

/** One app end to end: installed, compiled if it is TypeScript, started, walked over HTTP, stopped. */
async function exercise(app, tarball, workDir) {
  const dir = await install(app, tarball, workDir);
  if (app.compile) {
    await run(app.compile[0], app.compile[1], { cwd: dir });
    log(`${app.name}: compiled with tsc (strict, nodenext, skipLibCheck off)`);
  }
  const outboxFile = join(dir, 'outbox.jsonl');
  const env = { ...process.env, NODE_ENV: 'development', OUTBOX_FILE: outboxFile };
  const started = await startApp(app.start[0], app.start[1], { cwd: dir, env });
  log(`${app.name}: listening on 127.0.0.1:${started.port}`);
  try {
    await driveStepUp({ app: app.name, port: started.port, outboxFile, log });
  } catch (err) {
    err.message += `\n--- ${app.name} output\n${started.output().slice(-4000)}`;
    throw err;
  } finally {
    await started.stop();
  }
}

async function main() {
  const workDir = await mkdtemp(join(tmpdir(), 'stepguard-pack-'));
  let failures = [];
  try {
    log('npm run build');
    await run('npm', ['run', 'build'], { cwd: repoRoot, timeoutMs: 180_000 });
    const { tarball, fileCount, sizeBytes } = await pack(workDir);
    log(`packed ${tarball} (${fileCount} files, ${Math.round(sizeBytes / 1024)} KiB)`);
    // The two apps run side by side: installs and the type check dominate, and overlap well.
    const results = await Promise.allSettled(APPS.map((app) => exercise(app, tarball, workDir)));
    failures = results.flatMap((result, i) => (result.status === 'rejected' ? [{ app: APPS[i].name, err: result.reason }] : []));
  } catch (err) {
    failures = [{ app: 'build/pack', err }];
  }
  for (const { app, err } of failures) console.error(`\n[test:pack] ${app} FAILED: ${err instanceof Error ? err.message : String(err)}`);
  const passed = failures.some((f) => f.app === 'build/pack') ? 0 : APPS.length - failures.length;
  if (failures.length > 0) {
    console.error(`[test:pack] the apps are kept in ${workDir}`);
    process.exitCode = 1;
  } else if (process.env.STEPGUARD_PACK_KEEP) log(`kept ${workDir} (STEPGUARD_PACK_KEEP)`);
  else await rm(workDir, { recursive: true, force: true });
  log(`done in ${((Date.now() - startedMs) / 1000).toFixed(1)} s`);
  console.log(`pack: ${passed} passed, ${failures.length} failed`);
}

await main();
