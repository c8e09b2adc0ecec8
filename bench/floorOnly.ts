/** `node dist/bench/floorOnly.js`: (a)-(c) alone, for quick checks while cutting CPU (BENCH_SECONDS, BENCH_ROUNDS). */
import { join } from 'node:path';
import { startRedisServer } from '../test/helpers/redisServer';
import { startDemo } from './lib/demoServer';
import { demoPairedRuns, FLOOR_REFERENCES, floorCookie, runFloorComparison, runPairedCpu, startFloor } from './scenarios/floorComparison';
import { steppedUpDemoCookie } from './lib/steppedUpDemoCookie';

async function main() {
  const redis = await startRedisServer();
  const outbox = join(redis.dir, 'outbox.jsonl');
  const demo = await startDemo({ redisUrl: redis.url, outbox, benchUsers: 0, ...(process.env.BENCH_CPU_PROF_DIR ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF_DIR}`] } : {}) });
  const floor = await startFloor(redis.url, process.env.BENCH_CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF_DIR}/floor`] : undefined);
  const referenceFloors = await Promise.all(FLOOR_REFERENCES.map(async (ref) => ({ label: ref.label, server: await startFloor(redis.url, undefined, ref.variant) })));
  try {
    const demoCookie = await steppedUpDemoCookie(demo.base, outbox);
    const floorSignedIn = await floorCookie(floor);
    const referenceRuns = await Promise.all(referenceFloors.map(async (ref) => ({ ...ref, cookie: await floorCookie(ref.server), path: '/me' })));
    const r = await runFloorComparison({
      demo,
      demoCookie,
      floor,
      floorCookie: floorSignedIn,
      references: referenceRuns,
      rounds: Number(process.env.BENCH_ROUNDS ?? 3),
      seconds: Number(process.env.BENCH_SECONDS ?? 3),
      connections: Number(process.env.BENCH_CONNECTIONS ?? 32),
    });
    const paired = await runPairedCpu({
      floor,
      floorCookie: floorSignedIn,
      runs: [...referenceRuns, ...demoPairedRuns(demo, demoCookie)],
      rounds: Number(process.env.BENCH_PAIRED_ROUNDS ?? 6),
      seconds: Number(process.env.BENCH_SECONDS ?? 3),
      connections: Number(process.env.BENCH_CONNECTIONS ?? 32),
    });
    for (const p of paired) process.stdout.write(`at the same time as the floor: ${p.label}: ${p.ratio.toFixed(3)}\n`);
    for (const ref of r.references) process.stdout.write(`reference: ${ref.label}: ${ref.ratio.toFixed(3)} (by CPU ${ref.cpuRatio.toFixed(3)})\n`);
    process.stdout.write(`guard ${r.guardRatio.toFixed(3)} fwd ${r.fwdRatio.toFixed(3)}; CPU ms/req floor ${r.floor.cpuMsPerRequest.toFixed(3)} guard ${r.guard.cpuMsPerRequest.toFixed(3)} fwd ${r.fwd.cpuMsPerRequest.toFixed(3)}\n`);
  } finally {
    await demo.stop();
    await floor.stop();
    for (const ref of referenceFloors) await ref.server.stop();
    await redis.stop();
  }
}
main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
