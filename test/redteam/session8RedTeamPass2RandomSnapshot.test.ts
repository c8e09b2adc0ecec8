import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';

/**
 * Red team, session 8, second pass (8d9d160): the pooled CSPRNG block is module state. Node
 * resets its own pooled entropy (randomUUID's, randomInt's) when a startup snapshot is built
 * (`node --build-snapshot`, or a single executable application with `useSnapshot`), so that each
 * process started from the snapshot draws fresh bytes. Does stepguard's pool get the same care?
 *
 * The test builds a snapshot of src/core/random.ts as it is (type-stripped, its imports
 * turned into requires), draws once while building (an app that makes a dev key or a node id at load time),
 * and starts two processes from it: each prints a session id the way the demo's genid makes one.
 */
function buildSnapshot(dir: string): string {
  const source = readFileSync(join(__dirname, '../../src/core/random.ts'), 'utf8')
    .replace(/^import \{ (.*) \} from '(node:[a-z0-9]+)';$/gm, "const { $1 } = require('$2');")
    .replace(/^export /gm, '');
  const js = ts.transpileModule(source, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.None } }).outputText;
  const entry = join(dir, 'entry.js');
  writeFileSync(
    entry,
    `${js}
cryptoRandom.bytes(12); // drawn while the snapshot is built
require('node:v8').startupSnapshot.setDeserializeMainFunction(() => {
  console.log(JSON.stringify({ sessionId: cryptoRandom.bytes(24).toString('base64url'), uuid: require('node:crypto').randomUUID() }));
});
`,
  );
  const blob = join(dir, 'snap.blob');
  execFileSync(process.execPath, ['--snapshot-blob', blob, '--build-snapshot', entry], { stdio: 'ignore' });
  return blob;
}

const runFrom = (blob: string) => JSON.parse(execFileSync(process.execPath, ['--snapshot-blob', blob], { encoding: 'utf8' })) as { sessionId: string; uuid: string };

describe('red team session 8, pass 2: the CSPRNG pool in a startup snapshot', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sg-rt8p2-snap-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // Control: Node's own pooled entropy is fresh in each process started from the snapshot.
  it('randomUUID differs between two processes started from one snapshot (control)', () => {
    const blob = buildSnapshot(dir);
    expect(runFrom(blob).uuid).not.toBe(runFrom(blob).uuid);
  });

  // FIXED in session 8 (the pool is emptied by a serialize callback). Was a
  // FINDING (low-medium: niche deployment, severe effect). Every process started from a startup
  // snapshot in which cryptoRandom.bytes was called once (any id, key or token drawn at load time)
  // starts from the SAME 4 KiB pool: the first ~4 KiB of "random" output (about 170 session ids,
  // or CSRF secrets, challenge and binding ids, TOTP secrets, backup codes, secretBox IVs) is
  // identical in every instance and on every restart, and known to anyone with the binary.
  // Reproduction: the test below, or `node --build-snapshot` / SEA `useSnapshot: true` of an app
  // that uses stepguard; start it twice; compare the first session cookie. Before 8d9d160 every
  // call went to randomBytes and was fresh. Fix idea: as Node does for randomUUID, drop the pool
  // when a snapshot is built (`v8.startupSnapshot.isBuildingSnapshot()` ->
  // `addSerializeCallback(() => { pool = Buffer.alloc(0); offset = 0; })`).
  it('two processes started from one snapshot issue different session ids', () => {
    const blob = buildSnapshot(dir);
    expect(runFrom(blob).sessionId).not.toBe(runFrom(blob).sessionId);
  });
});
