import type { Writable } from 'node:stream';
import { z } from 'zod';
import { StepGuardConfigError } from '../errors';

const sinkName = z.string().regex(/^[a-z0-9_-]{1,32}$/, 'must be 1-32 characters of a-z, 0-9, _ and - (it labels the dropped-records metric)');
const queueShape = {
  /** Records held while the receiver is slow or down; more are dropped and counted in stepguard_audit_sink_dropped_total. @default 10000 */
  maxQueue: z.number().int().min(1).max(1_000_000).optional(),
  /** Records per delivery. @default 100 */
  maxBatch: z.number().int().min(1).max(1000).optional(),
  /** First retry delay, doubled per failed try (plus up to 50 % jitter). @default 500 */
  initialBackoffMs: z.number().int().min(1).max(60_000).optional(),
  /** Longest retry delay. @default 30000 */
  maxBackoffMs: z.number().int().min(1).max(600_000).optional(),
};

const webhookSink = z.strictObject({
  type: z.literal('webhook'),
  /** @default 'webhook' */
  name: sinkName.optional(),
  url: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL such as "https://siem.example.com/stepguard"' })
    // fetch() refuses such URLs, and its error (logged by the sink) would repeat the password.
    .refine((url) => URL.canParse(url) && !new URL(url).username && !new URL(url).password, {
      message: 'must not hold a user name or password ("https://user:token@..."): the webhook is authenticated by its signing secret; let the receiver check X-Stepguard-Signature',
    }),
  /** Signs each delivery (`X-Stepguard-Signature`); at least 32 characters: `openssl rand -base64 32`. */
  secret: z.string().min(32, 'must be at least 32 characters: generate one with `openssl rand -base64 32` and give the receiver the same value'),
  /** @default 5000 */
  timeoutMs: z.number().int().min(50).max(60_000).optional(),
  ...queueShape,
});

const syslogSink = z.strictObject({
  type: z.literal('syslog'),
  /** @default 'syslog' */
  name: sinkName.optional(),
  host: z.string().min(1, 'must name the syslog server, e.g. "127.0.0.1" or "logs.example.com"'),
  port: z.number().int().min(1).max(65_535),
  /** HOSTNAME in each message. @default os.hostname() */
  hostname: z.string().min(1).max(255).optional(),
  /** @default 'stepguard' */
  appName: z.string().regex(/^[\x21-\x7e]{1,48}$/, 'must be 1-48 printable ASCII characters without spaces').optional(),
  /** Syslog facility number. @default 10 (authpriv) */
  facility: z.number().int().min(0).max(23).optional(),
  /** @default 5000 */
  connectTimeoutMs: z.number().int().min(50).max(60_000).optional(),
  ...queueShape,
});

const stdoutSink = z.strictObject({
  type: z.literal('stdout'),
  /** @default 'stdout' */
  name: sinkName.optional(),
  /** Another writable stream to write the JSON lines to. @default process.stdout */
  stream: z.custom<Writable>((v) => typeof (v as { write?: unknown } | null)?.write === 'function', { message: 'must be a writable stream (an object with write())' }).optional(),
});

/** `audit.sinks` and `audit.checkpointEverySeconds`: streaming the audit trail as it is written. */
export const auditStreamOptionsShape = {
  /** Where every audit event (and each chain checkpoint) is streamed after the store has it. @default [] */
  sinks: z.array(z.discriminatedUnion('type', [webhookSink, syslogSink, stdoutSink], { error: 'each sink needs type "webhook", "syslog" or "stdout"' })).max(10).optional(),
  /** How often a signed checkpoint (head seq and MAC) of each changed chain is streamed; also on guard.closeAuditSinks(). @default 60 */
  checkpointEverySeconds: z.number().int().min(1).max(86_400).optional(),
};

type Queue = Readonly<{ maxQueue: number; maxBatch: number; initialBackoffMs: number; maxBackoffMs: number }>;
export type AuditSinkConfig =
  | Readonly<{ type: 'webhook'; name: string; url: string; secret: string; timeoutMs: number } & Queue>
  | Readonly<{ type: 'syslog'; name: string; host: string; port: number; hostname: string | undefined; appName: string; facility: number; connectTimeoutMs: number } & Queue>
  | Readonly<{ type: 'stdout'; name: string; stream: Writable | undefined }>;

export type AuditStreamConfig = { sinks: readonly AuditSinkConfig[]; checkpointEverySeconds: number };

export const AUDIT_STREAM_DEFAULTS = {
  checkpointEverySeconds: 60,
  queue: { maxQueue: 10_000, maxBatch: 100, initialBackoffMs: 500, maxBackoffMs: 30_000 },
  timeoutMs: 5000,
  appName: 'stepguard',
  facility: 10,
} as const;

type Given = { sinks?: z.output<typeof auditStreamOptionsShape.sinks>; checkpointEverySeconds?: number | undefined } | undefined;

/** The validated streaming options with defaults; sink names must be distinct (they label the metric). */
export function buildAuditStreamConfig(given: Given, environment?: string): AuditStreamConfig {
  const d = AUDIT_STREAM_DEFAULTS;
  const sinks = (given?.sinks ?? []).map((s): AuditSinkConfig => {
    const name = s.name ?? s.type;
    if (s.type === 'stdout') return { type: 'stdout', name, stream: s.stream };
    const queue = {
      maxQueue: s.maxQueue ?? d.queue.maxQueue,
      maxBatch: s.maxBatch ?? d.queue.maxBatch,
      initialBackoffMs: s.initialBackoffMs ?? d.queue.initialBackoffMs,
      maxBackoffMs: s.maxBackoffMs ?? d.queue.maxBackoffMs,
    };
    if (s.type === 'webhook') return { type: 'webhook', name, url: s.url, secret: s.secret, timeoutMs: s.timeoutMs ?? d.timeoutMs, ...queue };
    return {
      type: 'syslog',
      name,
      host: s.host,
      port: s.port,
      hostname: s.hostname,
      appName: s.appName ?? d.appName,
      facility: s.facility ?? d.facility,
      connectTimeoutMs: s.connectTimeoutMs ?? d.timeoutMs,
      ...queue,
    };
  });
  sinks.forEach((sink, i) => {
    if (sinks.findIndex((other) => other.name === sink.name) !== i) {
      throw new StepGuardConfigError(`audit.sinks[${i}].name: another sink is already named "${sink.name}"; give each sink a distinct name (it labels stepguard_audit_sink_dropped_total).`);
    }
    // Records hold user ids, IPs and masked numbers: not in clear text across a network in production.
    if (environment === 'production' && sink.type === 'webhook' && !isHttpsOrLoopback(sink.url)) {
      throw new StepGuardConfigError(`audit.sinks[${i}].url: in production the webhook must use https:// (audit records hold user ids, addresses and masked numbers); plain http is only accepted to a loopback relay.`);
    }
    if (sink.type !== 'stdout' && sink.maxBackoffMs < sink.initialBackoffMs) {
      throw new StepGuardConfigError(`audit.sinks[${i}].maxBackoffMs: must be at least initialBackoffMs (${sink.initialBackoffMs}).`);
    }
  });
  return { sinks, checkpointEverySeconds: given?.checkpointEverySeconds ?? d.checkpointEverySeconds };
}

function isHttpsOrLoopback(url: string): boolean {
  const parsed = new URL(url);
  return parsed.protocol === 'https:' || ['localhost', '127.0.0.1', '[::1]'].includes(parsed.hostname);
}
