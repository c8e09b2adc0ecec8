/**
 * (a)-(c): the demo's guarded `GET /account` and forward-auth against the honest floor, a
 * typical Express + Passport app without stepguard (bench/floor/server.ts), both on one Redis,
 * in alternating rounds (the order rotates each round). Ratios are taken within a round, then
 * their median: drift on a shared machine hits the three alike.
 *
 * `references` are more runs in the rotation, with no target: the floor with a part of what the
 * guard adds (FLOOR_REFERENCES; bench/floor/floorApp.ts). Each one's ratio to the floor is how
 * much of the guard's allowance that part alone takes.
 */
import { join } from 'node:path';
import { freePort } from '../../test/helpers/redisServer';
import { cannon, type Measured } from '../lib/cannon';
import { ROOT } from '../lib/demoServer';
import { jarClient } from '../lib/jarClient';
import { spawnServer, type RunningServer } from '../lib/spawnServer';
import { median } from '../lib/stats';

export type FloorResult = {
  floor: Measured;
  guard: Measured;
  fwd: Measured;
  guardRatios: number[];
  fwdRatios: number[];
  guardRatio: number;
  fwdRatio: number;
  /** Floor CPU per request / the guard's (median of rounds): the throughput ratio of main-thread-bound servers, steadier than req/s on a shared machine. */
  guardCpuRatio: number;
  fwdCpuRatio: number;
  /** Each reference run, its per-round ratios to the floor and their medians. */
  references: { label: string; measured: Measured; ratios: number[]; ratio: number; cpuRatio: number }[];
};

/** The floor as it is, or with one part of what the guard adds (bench/floor/server.ts). */
export type FloorVariant = 'floor' | 'revocationRead' | 'stepguardSession' | 'both';
const VARIANT_ENV: Record<FloorVariant, Record<string, string>> = {
  floor: {},
  revocationRead: { FLOOR_REVOCATION_READ: '1' },
  stepguardSession: { FLOOR_STEPGUARD_SESSION: '1' },
  both: { FLOOR_REVOCATION_READ: '1', FLOOR_STEPGUARD_SESSION: '1' },
};

/** The reference runs the full bench adds to the rotation, with the row label each gets. */
export const FLOOR_REFERENCES: { variant: FloorVariant; label: string }[] = [
  { variant: 'revocationRead', label: 'the floor + one revocation read per request, sent with the session load (FLOOR_REVOCATION_READ)' },
  { variant: 'stepguardSession', label: "the floor with the demo's stepped-up session contents, 490 bytes against 200 (FLOOR_STEPGUARD_SESSION)" },
  // Both at once: where any guard that checks revocation and keeps this state starts from.
  { variant: 'both', label: 'the floor with both: the revocation read and the stepped-up session contents' },
];

export async function startFloor(redisUrl: string, nodeArgs?: string[], variant: FloorVariant = 'floor'): Promise<RunningServer> {
  const env = { REDIS_URL: redisUrl, NODE_ENV: 'production', ...VARIANT_ENV[variant] };
  return spawnServer({ script: join(ROOT, 'dist/bench/floor/server.js'), port: await freePort(), env, ...(nodeArgs ? { nodeArgs } : {}) });
}

export async function floorCookie(floor: RunningServer): Promise<string> {
  const c = jarClient(floor.base);
  if ((await c.request('POST', '/login', { username: 'alice' })).status !== 200) throw new Error('floor login failed');
  return c.cookie();
}

export async function runFloorComparison(options: {
  demo: RunningServer;
  demoCookie: string;
  floor: RunningServer;
  floorCookie: string;
  references?: { label: string; server: RunningServer; cookie: string }[];
  rounds: number;
  seconds: number;
  connections: number;
}): Promise<FloorResult> {
  const { demo, floor } = options;
  const references = options.references ?? [];
  const floorRun = (server: RunningServer, cookie: string) => () => cannon({ base: server.base, path: '/me', cookie, seconds: options.seconds, connections: options.connections, pid: server.pid });
  const runs = new Map<string, () => Promise<Measured>>([
    ['floor', floorRun(floor, options.floorCookie)],
    ...references.map((ref, k) => [`ref${k}`, floorRun(ref.server, ref.cookie)] as [string, () => Promise<Measured>]),
    ...demoPairedRuns(demo, options.demoCookie).map(
      (run) =>
        [
          run.key,
          () => cannon({ base: demo.base, path: run.path, cookie: run.cookie, seconds: options.seconds, connections: options.connections, pid: demo.pid, ...(run.headers ? { headers: run.headers } : {}) }),
        ] as [string, () => Promise<Measured>],
    ),
  ]);
  const labels = new Map<string, string>([['guard', 'guard'], ['fwd', 'forward-auth'], ...references.map((_ref, k) => [`ref${k}`, `reference ${k + 1}`] as [string, string])]);
  // Warm-up, untimed: each path's code compiled before it is timed.
  for (const run of runs.values()) await run();
  const order = [...runs.keys()];
  const seen = new Map<string, Measured[]>(order.map((name) => [name, []]));
  const ratios = new Map<string, { rps: number[]; cpu: number[] }>(order.map((name) => [name, { rps: [], cpu: [] }]));
  for (let r = 0; r < options.rounds; r += 1) {
    const got = new Map<string, Measured>();
    // The order rotates each round: drift hits every run alike.
    for (let k = 0; k < order.length; k += 1) {
      const name = order[(k + r) % order.length] as string;
      const measured = await (runs.get(name) as () => Promise<Measured>)();
      got.set(name, measured);
      seen.get(name)?.push(measured);
    }
    const base = got.get('floor') as Measured;
    const parts = [`floor ${base.rps.toFixed(0)}/s`];
    for (const name of order) {
      if (name === 'floor') continue;
      const m = got.get(name) as Measured;
      const ratio = ratios.get(name) as { rps: number[]; cpu: number[] };
      ratio.rps.push(m.rps / base.rps);
      ratio.cpu.push(base.cpuMsPerRequest / m.cpuMsPerRequest);
      parts.push(`${labels.get(name)} ${m.rps.toFixed(0)}/s (${(m.rps / base.rps).toFixed(3)}, by CPU ${(base.cpuMsPerRequest / m.cpuMsPerRequest).toFixed(3)})`);
    }
    process.stdout.write(`(a-c) round ${r + 1}/${options.rounds}: ${parts.join(', ')}\n`);
  }
  const mid = (name: string): Measured => {
    const list = seen.get(name) as Measured[];
    const m = median(list.map((x) => x.rps));
    return list.reduce((a, b) => (Math.abs(b.rps - m) < Math.abs(a.rps - m) ? b : a));
  };
  const of = (name: string) => ratios.get(name) as { rps: number[]; cpu: number[] };
  return {
    floor: mid('floor'),
    guard: mid('guard'),
    fwd: mid('fwd'),
    guardRatios: of('guard').rps,
    fwdRatios: of('fwd').rps,
    guardRatio: median(of('guard').rps),
    fwdRatio: median(of('fwd').rps),
    guardCpuRatio: median(of('guard').cpu),
    fwdCpuRatio: median(of('fwd').cpu),
    references: references.map((ref, k) => ({ label: ref.label, measured: mid(`ref${k}`), ratios: of(`ref${k}`).rps, ratio: median(of(`ref${k}`).rps), cpuRatio: median(of(`ref${k}`).cpu) })),
  };
}

export type PairedCpuResult = { label: string; /** The demo's runs: 'guard' or 'fwd'. */ key?: string; ratios: number[]; ratio: number };

/**
 * Each run against the floor at the same time, not in turn: both servers share whatever else the
 * machine does in those seconds, so the ratio of their main-thread CPU per request (floor over
 * this one) moves a few per cent between rounds where the rotation's moved ±15 % (session 10).
 * Only the CPU ratio means something here: the two servers compete for the cores, so their
 * req/s say how the scheduler split them. Half the connections each; the first round warms up.
 */
export async function runPairedCpu(options: {
  floor: RunningServer;
  floorCookie: string;
  runs: { label: string; key?: string; server: RunningServer; cookie: string; path: string; headers?: Record<string, string> }[];
  rounds: number;
  seconds: number;
  connections: number;
}): Promise<PairedCpuResult[]> {
  const connections = Math.max(1, Math.floor(options.connections / 2));
  const results: PairedCpuResult[] = [];
  for (const run of options.runs) {
    const ratios: number[] = [];
    for (let r = 0; r <= options.rounds; r += 1) {
      const [floor, other] = await Promise.all([
        cannon({ base: options.floor.base, path: '/me', cookie: options.floorCookie, seconds: options.seconds, connections, pid: options.floor.pid }),
        cannon({ base: run.server.base, path: run.path, cookie: run.cookie, seconds: options.seconds, connections, pid: run.server.pid, ...(run.headers ? { headers: run.headers } : {}) }),
      ]);
      if (r > 0) ratios.push(floor.cpuMsPerRequest / other.cpuMsPerRequest);
    }
    results.push({ label: run.label, ...(run.key ? { key: run.key } : {}), ratios, ratio: median(ratios) });
    process.stdout.write(`(a-c) at the same time as the floor, ${run.label}: CPU ratio ${median(ratios).toFixed(3)} (rounds ${ratios.map((x) => x.toFixed(3)).join(', ')})\n`);
  }
  return results;
}

/** The guard's and forward-auth's runs: in the rotation (by key) and in `runPairedCpu`. */
export function demoPairedRuns(demo: RunningServer, cookie: string): { key: 'guard' | 'fwd'; label: string; server: RunningServer; cookie: string; path: string; headers?: Record<string, string> }[] {
  return [
    { key: 'guard', label: 'guard (GET /account)', server: demo, cookie, path: '/account' },
    { key: 'fwd', label: 'forward-auth', server: demo, cookie, path: '/auth/2fa/forward-auth', headers: { 'x-original-url': 'https://app.example.com/reports' } },
  ];
}
