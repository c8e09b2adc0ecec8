/**
 * `npm run bench`: load benchmarks against the demo server with a real Redis (DESIGN.md, issue
 * "measured speed"). The server runs in its own process; autocannon drives it from this one.
 * Prints a table (requests/s, p50/p99, ratio to the floor measured in the same run), writes
 * JSON to bench/results/, and checks the targets.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import { defaultRules, evaluatePolicy } from '../src/core/policy';
import type { ActionRequirement } from '../src/core/assurance/types';
import { freePort, startRedisServer } from '../test/helpers/redisServer';

const ROOT = join(__dirname, '../..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const SOAK_SECONDS = Number(process.env.BENCH_SOAK_SECONDS ?? 60);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);

type Measured = { rps: number; p50: number; p99: number; non2xx: number };
type Row = { scenario: string; rps: number; p50: number; p99: number; ratio?: number; note?: string };

async function main(): Promise<void> {
  const redis = await startRedisServer();
  const port = await freePort();
  const outbox = join(redis.dir, 'outbox.jsonl');
  const server = spawn(process.execPath, [join(ROOT, 'dist/src/demo/server.js')], {
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      REDIS_URL: redis.url,
      SMS_OUTBOX_FILE: outbox,
      DEMO_BENCH_USERS: '200',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'development',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitForHealth(base, server);
    const cookie = await steppedUpSession(base, outbox, 'alice', 'alice-demo-password');
    const rows: Row[] = [];
    const fwdHeaders = { 'x-original-url': 'https://app.example.com/reports' };
    await cannon(base, '/auth/session', cookie, {}, 2); // warm-up
    await cannon(base, '/account', cookie, {}, 2);
    // Interleaved rounds, best of each: drift on a shared 2-core machine hits all three alike.
    const rounds = { floor: [] as Measured[], guard: [] as Measured[], fwd: [] as Measured[] };
    for (let r = 0; r < 3; r += 1) {
      rounds.floor.push(await cannon(base, '/auth/session', cookie));
      rounds.guard.push(await cannon(base, '/account', cookie));
      rounds.fwd.push(await cannon(base, '/auth/2fa/forward-auth', cookie, fwdHeaders));
    }
    const best = (list: Measured[]) => list.reduce((a, b) => (b.rps > a.rps ? b : a));
    const floor = best(rounds.floor);
    const guard = best(rounds.guard);
    const fwd = best(rounds.fwd);
    rows.push({ scenario: '(a) floor: load the session from Redis', ...floor, ratio: 1 });
    rows.push({ scenario: '(b) GET /account, fresh aal2 (guard hot path)', ...guard, ratio: guard.rps / floor.rps });
    rows.push({ scenario: '(c) forward-auth, stepped-up session', ...fwd, ratio: fwd.rps / floor.rps });
    // Throughput with 10 concurrent users, then the send -> provider latency one user at a time
    // (under concurrency on 2 cores the client-side figure measures queueing, not the path).
    const flow = await smsFlows(base, outbox, 1, 150, 10);
    const latency = await smsFlows(base, outbox, 151, 50, 1);
    rows.push({ scenario: '(d) SMS step-up per virtual user (send + verify)', rps: flow.flowsPerSecond, p50: flow.p50, p99: flow.p99, note: `send -> provider p99 ${latency.sendToProviderP99.toFixed(1)} ms alone, ${flow.sendToProviderP99.toFixed(1)} ms at 10 concurrent` });
    const policy = await policyVsRedis(redis.url);
    rows.push({ scenario: '(e) policy evaluation, in process', rps: policy.perSecond, p50: policy.evalUs / 1000, p99: policy.evalUs / 1000, note: `${(policy.ratio * 100).toFixed(3)}% of a Redis round trip (${policy.redisRttUs.toFixed(0)} µs)` });
    const soak = SOAK_SECONDS > 0 ? await soakTest(base, cookie, server.pid as number, SOAK_SECONDS) : null;

    printTable(rows);
    const targets = {
      guardRatio: { value: guard.rps / floor.rps, target: '>= 0.95', met: guard.rps / floor.rps >= 0.95 },
      forwardAuthRatio: { value: fwd.rps / floor.rps, target: '>= 0.90', met: fwd.rps / floor.rps >= 0.9 },
      sendToProviderP99Ms: { value: latency.sendToProviderP99, target: '< 20', met: latency.sendToProviderP99 < 20 },
      policyVsRedisRtt: { value: policy.ratio, target: '< 0.1', met: policy.ratio < 0.1 },
      ...(soak ? { soakRssGrowth: { value: soak.growth, target: '< 0.20', met: soak.growth < 0.2 } } : {}),
    };
    for (const [name, t] of Object.entries(targets)) {
      process.stdout.write(`${t.met ? 'MET ' : 'MISS'} ${name}: ${typeof t.value === 'number' ? t.value.toFixed(3) : t.value} (target ${t.target})\n`);
    }
    if (soak) process.stdout.write(`soak: ${SOAK_SECONDS} s mixed load, RSS ${mb(soak.rssAfterWarmup)} -> ${mb(soak.rssEnd)} MB (${(soak.growth * 100).toFixed(1)}%), ${soak.requests} requests, ${soak.errors} errors\n`);
    mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
    const file = join(ROOT, 'bench/results', `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, JSON.stringify({ at: new Date().toISOString(), node: process.version, connections: CONNECTIONS, seconds: SECONDS, rows, targets, soak }, null, 2));
    process.stdout.write(`results: ${file}\n`);
  } finally {
    server.kill('SIGTERM');
    await redis.stop();
  }
}

function cannon(base: string, path: string, cookie: string, headers: Record<string, string> = {}, seconds = SECONDS) {
  return new Promise<{ rps: number; p50: number; p99: number; non2xx: number }>((resolve, reject) => {
    autocannon(
      { url: `${base}${path}`, connections: CONNECTIONS, duration: seconds, headers: { cookie, accept: 'application/json', ...headers } },
      (err, result) => {
        if (err) return reject(err);
        if (result.non2xx > 0 || result.errors > 0) return reject(new Error(`${path}: ${result.non2xx} non-2xx, ${result.errors} errors`));
        resolve({ rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, non2xx: result.non2xx });
      },
    );
  });
}

/** A JSON client with a cookie jar of one cookie per name. */
function client(base: string) {
  const jar = new Map<string, string>();
  let csrf = '';
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const request = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { cookie: cookie(), accept: 'application/json', 'content-type': 'application/json', 'x-csrf-token': csrf },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const [k, v] = (pair as string).split('=');
      jar.set(k as string, v as string);
    }
    const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    // Tokens are bound to the session and rotate on login and step-up: keep the newest.
    if (typeof json.csrfToken === 'string') csrf = json.csrfToken;
    return { status: res.status, json };
  };
  return {
    cookie,
    request,
    async init() {
      csrf = String((await request('GET', '/auth/csrf')).json.csrfToken);
    },
  };
}

function codeFor(outbox: string, to: string): { code: string; atMs: number } {
  const lines = readFileSync(outbox, 'utf8').trim().split('\n').reverse();
  for (const line of lines) {
    const m = JSON.parse(line) as { to: string; body: string; at: string };
    if (m.to === to) return { code: (/#(\d{6})\s*$/.exec(m.body) as RegExpExecArray)[1] as string, atMs: Date.parse(m.at) };
  }
  throw new Error(`no SMS to ${to}`);
}

async function steppedUpSession(base: string, outbox: string, username: string, password: string): Promise<string> {
  const c = client(base);
  await c.init();
  if ((await c.request('POST', '/auth/login', { username, password })).status !== 200) throw new Error('login failed');
  if ((await c.request('POST', '/auth/2fa/sms/send', {})).status !== 202) throw new Error('send failed');
  const { code } = codeFor(outbox, '+14155550123');
  if ((await c.request('POST', '/auth/2fa/sms/verify', { code })).status !== 200) throw new Error('verify failed');
  return c.cookie();
}

async function smsFlows(base: string, outbox: string, first: number, users: number, concurrency: number) {
  const flowMs: number[] = [];
  const sendToProvider: number[] = [];
  const pool = async <T>(items: T[], work: (item: T) => Promise<void>) => {
    let next = 0;
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }));
  };
  // Sign everyone in first: password hashing (scrypt) is the first factor's cost, not the step-up's.
  const clients = Array.from({ length: users }, (_, k) => ({ i: first + k, c: client(base) }));
  await pool(clients, async ({ i, c }) => {
    await c.init();
    const login = await c.request('POST', '/auth/login', { username: `bench-${i}`, password: 'bench-password-123' });
    if (login.status !== 200) throw new Error(`login ${login.status}`);
  });
  const started = performance.now();
  await pool(clients, async ({ i, c }) => {
    const phone = `+1${201 + Math.floor((i - 1) / 100)}55501${String((i - 1) % 100).padStart(2, '0')}`;
    const t0 = performance.now();
    const sentAt = Date.now();
    const sent = await c.request('POST', '/auth/2fa/sms/send', {});
    if (sent.status !== 202) throw new Error(`send ${sent.status}`);
    const { code, atMs } = codeFor(outbox, phone);
    sendToProvider.push(atMs - sentAt);
    const verified = await c.request('POST', '/auth/2fa/sms/verify', { code });
    if (verified.status !== 200) throw new Error(`verify ${verified.status}`);
    flowMs.push(performance.now() - t0);
  });
  const seconds = (performance.now() - started) / 1000;
  return { flowsPerSecond: users / seconds, p50: pct(flowMs, 50), p99: pct(flowMs, 99), sendToProviderP99: pct(sendToProvider, 99) };
}

async function policyVsRedis(url: string) {
  const requirement: ActionRequirement = { level: 'aal2', factors: ['sms', 'otp', 'hwk', 'swk', 'backup'], maxAgeSeconds: 300, bindTransaction: true, highRisk: true };
  const rules = defaultRules({ largeTransferAmount: 1000 });
  const signals = { newDevice: true, newCountry: true, consecutiveFailures: 1, transactionAmount: 5000, lineType: 'MOBILE' };
  const n = 200_000;
  let t = performance.now();
  for (let i = 0; i < n; i += 1) evaluatePolicy({ action: 'transfer', requirement, rules, signals, enrolledFactors: ['sms', 'otp'], onNoStrongFactor: 'require' });
  const evalUs = ((performance.now() - t) * 1000) / n;
  const redis = new Redis(url);
  for (let i = 0; i < 200; i += 1) await redis.ping();
  const m = 2000;
  t = performance.now();
  for (let i = 0; i < m; i += 1) await redis.ping();
  const redisRttUs = ((performance.now() - t) * 1000) / m;
  await redis.quit();
  return { evalUs, perSecond: 1e6 / evalUs, redisRttUs, ratio: evalUs / redisRttUs };
}

async function soakTest(base: string, cookie: string, pid: number, seconds: number) {
  const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
  const samples: number[] = [];
  const timer = setInterval(() => samples.push(rss()), 1000);
  let requests = 0;
  let errors = 0;
  const run = (path: string, extra: Partial<autocannon.Options> = {}) =>
    new Promise<void>((resolve) => {
      autocannon({ url: `${base}${path}`, connections: 8, duration: seconds, headers: { cookie, accept: 'application/json' }, ...extra }, (err, r) => {
        requests += r?.requests.total ?? 0;
        errors += (r?.errors ?? 0) + (err ? 1 : 0);
        resolve();
      });
    });
  // Guarded reads, session reads, and logins with sends (answered 4xx by the send budget after
  // the first few, which is load all the same).
  await Promise.all([
    run('/account'),
    run('/auth/session'),
    run('/auth/2fa/methods'),
    run('/auth/login', { method: 'POST', body: JSON.stringify({ username: 'alice', password: 'wrong-password-123' }), headers: { 'content-type': 'application/json', cookie } }),
  ]);
  clearInterval(timer);
  const warm = samples[Math.min(samples.length - 1, Math.floor(samples.length / 6))] ?? 0;
  const end = samples.at(-1) ?? 0;
  return { rssAfterWarmup: warm, rssEnd: end, growth: warm ? (end - warm) / warm : 0, requests, errors, samples };
}

function pct(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

const mb = (bytes: number) => (bytes / 1048576).toFixed(1);

function printTable(rows: Row[]): void {
  const lines = [
    '| scenario | req/s | p50 ms | p99 ms | vs floor | note |',
    '|---|---:|---:|---:|---:|---|',
    ...rows.map((r) => `| ${r.scenario} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.ratio === undefined ? '' : r.ratio.toFixed(3)} | ${r.note ?? ''} |`),
  ];
  process.stdout.write(`\n${lines.join('\n')}\n\n`);
}

async function waitForHealth(base: string, server: ChildProcess): Promise<void> {
  let stderr = '';
  server.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  // Seeding the bench accounts hashes 200 passwords with scrypt first.
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`demo exited: ${stderr}`);
    try {
      if ((await fetch(`${base}/healthz`)).ok) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`demo did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
