/** `node dist/bench/peerOnly.js`: scenario (f) alone (BENCH_PEER_PAIRS, BENCH_PEER_STEPUPS). */
import { runPeerComparison } from './scenarios/peerComparison';

const pairs = Number(process.env.BENCH_PEER_PAIRS ?? 3);
const stepUps = Number(process.env.BENCH_PEER_STEPUPS ?? 200);
runPeerComparison({ pairs, levels: [{ concurrency: 16, stepUps }, { concurrency: 1, stepUps }] })
  .then((r) => process.stdout.write(`${JSON.stringify(r?.map((x) => ({ c: x.concurrency, median: x.medianRatio, cpu: [x.demoCpuMsPerStepUp, x.betterAuthCpuMsPerStepUp] })))}\n`))
  .catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
