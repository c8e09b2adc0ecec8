/**
 * Scenario (f): the same step-up against stepguard's demo (d) and better-auth's two-factor OTP
 * (f), in alternating rounds, each on a fresh Redis (and for better-auth a fresh Postgres).
 * Sign-in is untimed; a step-up is send -> the code from the outbox -> verify -> one guarded GET.
 * Prints each pair's ratio (d/f step-ups per second), their median, the main-thread CPU per
 * step-up of each server (read from /proc, so it is the server's work, not the load
 * generator's) and the load generator's own CPU per step-up.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startRedisServer } from '../../test/helpers/redisServer';
import { demoPhoneOf, startDemo } from '../lib/demoServer';
import { jarClient, type JarClient } from '../lib/jarClient';
import { codeFor } from '../lib/outbox';
import type { RunningServer } from '../lib/spawnServer';
import { median, pct, pool } from '../lib/stats';
import { mainThreadCpuMs } from '../lib/threadCpu';
import { ensureBetterAuthInstalled, startBetterAuth } from '../peers/betterAuthServer';
import { findPostgresBin, startPostgres } from '../peers/postgresServer';

export type StepUpRound = { perSecond: number; cpuMsPerStepUp: number; p50Ms: number; p99Ms: number; driverCpuMsPerStepUp: number };
export type PeerResult = {
  concurrency: number;
  stepUps: number;
  pairs: { demo: StepUpRound; betterAuth: StepUpRound; ratio: number; cpuRatio: number }[];
  medianRatio: number;
  medianCpuRatio: number;
  demoCpuMsPerStepUp: number;
  betterAuthCpuMsPerStepUp: number;
};

const WARM_UP = 10;

type Flow = {
  start(redisUrl: string, outbox: string, users: number): Promise<{ server: RunningServer; stop(): Promise<void> }>;
  signIn(base: string, i: number): Promise<JarClient>;
  stepUp(c: JarClient, outbox: string, i: number): Promise<void>;
};

const expect = (what: string, status: number, wanted: number) => {
  if (status !== wanted) throw new Error(`${what}: ${status} (wanted ${wanted})`);
};

const demoFlow: Flow = {
  async start(redisUrl, outbox, users) {
    const server = await startDemo({ redisUrl, outbox, benchUsers: users });
    return { server, stop: () => server.stop() };
  },
  async signIn(base, i) {
    const c = jarClient(base, { csrf: true });
    await c.init();
    expect('demo login', (await c.request('POST', '/auth/login', { username: `bench-${i}`, password: 'bench-password-123' })).status, 200);
    return c;
  },
  async stepUp(c, outbox, i) {
    expect('demo send', (await c.request('POST', '/auth/2fa/sms/send', {})).status, 202);
    const { code } = codeFor(outbox, demoPhoneOf(i));
    expect('demo verify', (await c.request('POST', '/auth/2fa/sms/verify', { code })).status, 200);
    expect('demo GET /account', (await c.request('GET', '/account')).status, 200);
  },
};

function betterAuthFlow(pgBin: string): Flow {
  return {
    async start(redisUrl, outbox, users) {
      const pg = await startPostgres(pgBin);
      try {
        const server = await startBetterAuth({ databaseUrl: pg.url, redisUrl, outbox, benchUsers: users });
        return {
          server,
          async stop() {
            await server.stop();
            await pg.stop();
          },
        };
      } catch (err) {
        await pg.stop();
        throw err;
      }
    },
    async signIn(base, i) {
      // better-auth refuses cookie-carrying POSTs from an untrusted Origin: a browser sends its own.
      const c = jarClient(base, { headers: { origin: base } });
      const signIn = await c.request('POST', '/api/auth/sign-in/email', { email: `bench-${i}@example.com`, password: 'bench-password-123' });
      expect('better-auth sign-in', signIn.status, 200);
      if (signIn.json.twoFactorRedirect !== true) throw new Error('better-auth sign-in did not ask for the second factor');
      return c;
    },
    async stepUp(c, outbox, i) {
      expect('better-auth send-otp', (await c.request('POST', '/api/auth/two-factor/send-otp', {})).status, 200);
      const { code } = codeFor(outbox, `bench-${i}@example.com`);
      expect('better-auth verify-otp', (await c.request('POST', '/api/auth/two-factor/verify-otp', { code })).status, 200);
      expect('better-auth GET /account', (await c.request('GET', '/account')).status, 200);
    },
  };
}

async function round(flow: Flow, stepUps: number, concurrency: number): Promise<StepUpRound> {
  const redis = await startRedisServer();
  const outbox = join(redis.dir, 'outbox.jsonl');
  const users = stepUps + WARM_UP;
  let running: Awaited<ReturnType<Flow['start']>> | undefined;
  try {
    running = await flow.start(redis.url, outbox, users);
    const { base, pid } = running.server;
    const ids = Array.from({ length: users }, (_, k) => k + 1);
    const clients = new Map<number, JarClient>();
    await pool(ids, Math.min(concurrency, 8), async (i) => void clients.set(i, await flow.signIn(base, i)));
    // A few step-ups first, untimed, so both servers' hot paths are compiled.
    await pool(ids.slice(stepUps), concurrency, (i) => flow.stepUp(clients.get(i) as JarClient, outbox, i));
    const timed = ids.slice(0, stepUps);
    const flowMs: number[] = [];
    const cpu0 = mainThreadCpuMs(pid);
    const driver0 = process.cpuUsage();
    const t0 = performance.now();
    await pool(timed, concurrency, async (i) => {
      const s = performance.now();
      await flow.stepUp(clients.get(i) as JarClient, outbox, i);
      flowMs.push(performance.now() - s);
    });
    const seconds = (performance.now() - t0) / 1000;
    const cpuMs = mainThreadCpuMs(pid) - cpu0;
    const driver = process.cpuUsage(driver0);
    return {
      perSecond: stepUps / seconds,
      cpuMsPerStepUp: cpuMs / stepUps,
      p50Ms: pct(flowMs, 50),
      p99Ms: pct(flowMs, 99),
      // The load generator shares the machine: its own CPU is printed so a reader can see it stayed small.
      driverCpuMsPerStepUp: (driver.user + driver.system) / 1000 / stepUps,
    };
  } finally {
    await running?.stop();
    await redis.stop();
  }
}

/** Undefined (with the reason printed) where Postgres is missing. */
export async function runPeerComparison(options: { pairs: number; levels: { concurrency: number; stepUps: number }[] }): Promise<PeerResult[] | undefined> {
  const pgBin = findPostgresBin();
  if (!pgBin) {
    process.stdout.write('(f) better-auth peer SKIPPED: no Postgres found (looked in PG_BIN, /usr/local/bin, /usr/lib/postgresql/*/bin and the PATH; on Debian: apt-get install postgresql)\n');
    return undefined;
  }
  ensureBetterAuthInstalled();
  const betterAuth = betterAuthFlow(pgBin);
  // One short untimed round of each first: the load generator's own code (HTTP client, cookie
  // jar, outbox reader) compiles here. Without it the very first timed round, always
  // stepguard's, ran on a cold client that took twice its usual CPU from the shared machine.
  const firstLevel = options.levels[0];
  if (firstLevel) {
    const warm = Math.max(20, Math.round(firstLevel.stepUps / 4));
    await round(demoFlow, warm, firstLevel.concurrency);
    await round(betterAuth, warm, firstLevel.concurrency);
  }
  const results: PeerResult[] = [];
  for (const { concurrency, stepUps } of options.levels) {
    const pairs: PeerResult['pairs'] = [];
    for (let p = 0; p < options.pairs; p += 1) {
      // ABBA: which one runs first alternates, so drift on a shared machine hits both alike.
      let demo: StepUpRound;
      let peer: StepUpRound;
      if (p % 2 === 0) {
        demo = await round(demoFlow, stepUps, concurrency);
        peer = await round(betterAuth, stepUps, concurrency);
      } else {
        peer = await round(betterAuth, stepUps, concurrency);
        demo = await round(demoFlow, stepUps, concurrency);
      }
      const pair = { demo, betterAuth: peer, ratio: demo.perSecond / peer.perSecond, cpuRatio: peer.cpuMsPerStepUp / demo.cpuMsPerStepUp };
      pairs.push(pair);
      process.stdout.write(
        `(f) c=${concurrency} pair ${p + 1}/${options.pairs}: stepguard ${demo.perSecond.toFixed(1)}/s (${demo.cpuMsPerStepUp.toFixed(2)} ms CPU), better-auth ${peer.perSecond.toFixed(1)}/s (${peer.cpuMsPerStepUp.toFixed(2)} ms CPU): ${pair.ratio.toFixed(2)}x; load generator ${demo.driverCpuMsPerStepUp.toFixed(2)} / ${peer.driverCpuMsPerStepUp.toFixed(2)} ms CPU\n`,
      );
    }
    results.push({
      concurrency,
      stepUps,
      pairs,
      medianRatio: median(pairs.map((x) => x.ratio)),
      medianCpuRatio: median(pairs.map((x) => x.cpuRatio)),
      demoCpuMsPerStepUp: median(pairs.map((x) => x.demo.cpuMsPerStepUp)),
      betterAuthCpuMsPerStepUp: median(pairs.map((x) => x.betterAuth.cpuMsPerStepUp)),
    });
  }
  return results;
}
