import type { StepGuardConfig, Logger } from '../../config';
import { deriveAuditKey } from '../../core/audit/auditChain';
import type { StepGuardMetrics } from '../../metrics/createMetrics';
import type { AuditSink } from './AuditSink';
import { createAuditStreamer, type AuditStreamer } from './createAuditStreamer';
import { createJsonLinesAuditSink } from './createJsonLinesAuditSink';
import { createSyslogAuditSink } from './createSyslogAuditSink';
import { createWebhookAuditSink } from './createWebhookAuditSink';

/**
 * The sinks `audit.sinks` asks for, behind one streamer; `null` when there are none. Drops are
 * counted per sink; failed tries are logged with the sink's name and the error only (never a
 * record: the receiver is the place for those).
 */
export function createAuditStreamFromConfig(deps: { config: StepGuardConfig; metrics: StepGuardMetrics; logger?: Logger | undefined }): AuditStreamer | null {
  const { config, metrics, logger } = deps;
  if (config.audit.sinks.length === 0) return null;
  const sinks: AuditSink[] = config.audit.sinks.map((sink) => {
    const onDropped = (count: number) => metrics.auditSinkDropped({ sink: sink.name }, count);
    // One warning per outage, not one per retry: the first failed try, then every 10th.
    const onError = (err: unknown, attempt?: number) => {
      if (attempt === undefined || attempt === 1 || attempt % 10 === 0) {
        logger?.warn({ event: 'audit_sink_failed', sink: sink.name, attempt, err: err instanceof Error ? err.message : String(err) }, 'An audit sink could not deliver; retrying');
      }
    };
    if (sink.type === 'webhook') return createWebhookAuditSink(sink, { clock: config.clock, random: config.random, onDropped, onError });
    if (sink.type === 'syslog') return createSyslogAuditSink(sink, { random: config.random, onDropped, onError });
    return createJsonLinesAuditSink({ name: sink.name, stream: sink.stream ?? process.stdout }, { onError });
  });
  return createAuditStreamer({
    sinks,
    key: deriveAuditKey(config.secrets.pepper),
    clock: config.clock,
    checkpointEverySeconds: config.audit.checkpointEverySeconds,
    random: config.random,
    onError: (err, sink) => logger?.warn({ event: 'audit_sink_failed', sink, err: err instanceof Error ? err.message : String(err) }, 'An audit sink failed'),
  });
}
