/**
 * (a)-(c): the demo's guarded `GET /account` and forward-auth against the honest floor, a
 * typical Express + Passport app without stepguard (bench/floor/server.ts), both on one Redis,
 * in alternating rounds (the order rotates each round). Ratios are taken within a round, then
 * their median: drift on a shared machine hits the three alike.
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
};

export async function startFloor(redisUrl: string, nodeArgs?: string[]): Promise<RunningServer> {
  return spawnServer({ script: join(ROOT, 'dist/bench/floor/server.js'), port: await freePort(), env: { REDIS_URL: redisUrl, NODE_ENV: 'production' }, ...(nodeArgs ? { nodeArgs } : {}) });
}

export async function floorCookie(floor: RunningServer): Promise<string> {
  const c = jarClient(floor.base);
  if ((await c.request('POST', '/login', { username: 'alice' })).status !== 200) throw new Error('floor login failed');
  return c.cookie();
}

export async function runFloorComparison(options: { demo: RunningServer; demoCookie: string; floor: RunningServer; floorCookie: string; rounds: number; seconds: number; connections: number }): Promise<FloorResult> {
  const { demo, floor } = options;
  const runs = {
    floor: () => cannon({ base: floor.base, path: '/me', cookie: options.floorCookie, seconds: options.seconds, connections: options.connections, pid: floor.pid }),
    guard: () => cannon({ base: demo.base, path: '/account', cookie: options.demoCookie, seconds: options.seconds, connections: options.connections, pid: demo.pid }),
    fwd: () =>
      cannon({ base: demo.base, path: '/auth/2fa/forward-auth', cookie: options.demoCookie, seconds: options.seconds, connections: options.connections, pid: demo.pid, headers: { 'x-original-url': 'https://app.example.com/reports' } }),
  };
  // Warm-up, untimed: each path's code compiled before it is timed.
  for (const run of Object.values(runs)) await run();
  const order = ['floor', 'guard', 'fwd'] as const;
  const seen = { floor: [] as Measured[], guard: [] as Measured[], fwd: [] as Measured[] };
  const guardRatios: number[] = [];
  const fwdRatios: number[] = [];
  const guardCpuRatios: number[] = [];
  const fwdCpuRatios: number[] = [];
  for (let r = 0; r < options.rounds; r += 1) {
    const got: Partial<Record<(typeof order)[number], Measured>> = {};
    for (let k = 0; k < order.length; k += 1) {
      const name = order[(k + r) % order.length] as (typeof order)[number];
      got[name] = await runs[name]();
      seen[name].push(got[name]);
    }
    guardRatios.push((got.guard as Measured).rps / (got.floor as Measured).rps);
    fwdRatios.push((got.fwd as Measured).rps / (got.floor as Measured).rps);
    guardCpuRatios.push((got.floor as Measured).cpuMsPerRequest / (got.guard as Measured).cpuMsPerRequest);
    fwdCpuRatios.push((got.floor as Measured).cpuMsPerRequest / (got.fwd as Measured).cpuMsPerRequest);
    process.stdout.write(`(a-c) round ${r + 1}/${options.rounds}: floor ${(got.floor as Measured).rps.toFixed(0)}/s, guard ${(got.guard as Measured).rps.toFixed(0)}/s (${(guardRatios.at(-1) as number).toFixed(3)}), forward-auth ${(got.fwd as Measured).rps.toFixed(0)}/s (${(fwdRatios.at(-1) as number).toFixed(3)}); by CPU per request ${(guardCpuRatios.at(-1) as number).toFixed(3)} and ${(fwdCpuRatios.at(-1) as number).toFixed(3)}\n`);
  }
  const mid = (list: Measured[]): Measured => {
    const m = median(list.map((x) => x.rps));
    return list.reduce((a, b) => (Math.abs(b.rps - m) < Math.abs(a.rps - m) ? b : a));
  };
  return { floor: mid(seen.floor), guard: mid(seen.guard), fwd: mid(seen.fwd), guardRatios, fwdRatios, guardRatio: median(guardRatios), fwdRatio: median(fwdRatios), guardCpuRatio: median(guardCpuRatios), fwdCpuRatio: median(fwdCpuRatios) };
}
