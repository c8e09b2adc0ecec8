import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { STORE_CONTRACT_CASES } from '../../src/stores/contract';

/**
 * The exported contract as a user of the package runs it: compiled JavaScript, under node:test,
 * with no jest anywhere. The contract and the memory stores are compiled with the build's
 * compiler options into a private directory (not the shared dist/, which other test runs read).
 */
const run = promisify(execFile);
const ROOT = resolve(__dirname, '../..');
let workDir: string;
let outDir: string;

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'stepguard-contract-'));
  outDir = join(workDir, 'out');
  const tsconfig = {
    extends: join(ROOT, 'tsconfig.build.json'),
    compilerOptions: { outDir, rootDir: ROOT, typeRoots: [join(ROOT, 'node_modules/@types')], declaration: false, sourceMap: false },
    files: [join(ROOT, 'src/stores/contract/index.ts'), join(ROOT, 'src/stores/memory/createMemoryStores.ts')],
    include: [],
  };
  writeFileSync(join(workDir, 'tsconfig.json'), JSON.stringify(tsconfig));
  const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
  const failure = await run(process.execPath, [tsc, '-p', join(workDir, 'tsconfig.json')]).then(
    () => null,
    (error: { stdout?: string }) => error.stdout || String(error),
  );
  if (failure !== null || !existsSync(join(outDir, 'src/stores/contract/index.js'))) throw new Error(`the contract did not compile:\n${failure}`);
}, 60_000);

afterAll(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

/** Writes a node:test file that requires the compiled contract, runs `node --test` on it, and returns its TAP summary. */
async function nodeTest(fileName: string, body: string): Promise<{ exitCode: number; pass: number; fail: number; skipped: number; output: string }> {
  const file = join(workDir, fileName);
  writeFileSync(
    file,
    [
      "const { describe, it } = require('node:test');",
      `const { describeStoreContract } = require(${JSON.stringify(join(outDir, 'src/stores/contract/index.js'))});`,
      `const { createMemoryStores } = require(${JSON.stringify(join(outDir, 'src/stores/memory/createMemoryStores.js'))});`,
      body,
    ].join('\n'),
  );
  const result = await run(process.execPath, ['--test', '--test-reporter=tap', file], { cwd: workDir }).then(
    (r) => ({ exitCode: 0, output: r.stdout }),
    (error: { code?: number; stdout?: string }) => ({ exitCode: error.code ?? -1, output: error.stdout ?? String(error) }),
  );
  const count = (label: string) => Number(new RegExp(`^# ${label} (\\d+)$`, 'm').exec(result.output)?.[1] ?? NaN);
  return { ...result, pass: count('pass'), fail: count('fail'), skipped: count('skipped') };
}

it('passes under node:test on the memory stores, every port checked', async () => {
  const result = await nodeTest('memory.test.js', "describeStoreContract('memory', () => ({ stores: createMemoryStores() }), { describe, it });");
  expect({ exitCode: result.exitCode, fail: result.fail, skipped: result.skipped }).toEqual({ exitCode: 0, fail: 0, skipped: 0 });
  expect(result.pass).toBe(STORE_CONTRACT_CASES.length);
}, 30_000);

it('fails under node:test on a phone store that ignores the reuse limit, naming the behaviour', async () => {
  const result = await nodeTest(
    'unlimited-phones.test.js',
    [
      'const makeStores = () => {',
      '  const phones = createMemoryStores().phones;',
      '  const bind = phones.bind.bind(phones);',
      '  phones.bind = (input) => bind({ ...input, maxAccountsPerNumber: Number.MAX_SAFE_INTEGER });',
      '  return { stores: { phones } };',
      '};',
      "describeStoreContract('unlimited phones', makeStores, { describe, it }, { ports: ['phones'] });",
    ].join('\n'),
  );
  expect({ exitCode: result.exitCode, pass: result.pass, fail: result.fail, skipped: result.skipped }).toEqual({ exitCode: 1, pass: 4, fail: 3, skipped: 1 });
  expect(result.output).toMatch(/^\s*not ok \d+ - holds the reuse limit under 10 concurrent binds of one number$/m);
  expect(result.output).toMatch(/# SKIP/);
}, 30_000);
