import { STAT_LABELS, isStatName, type StatName } from './statNames';

/**
 * The canonical key of one series: `name` then its labels sorted by name, each `k=v` with the
 * value URI-encoded, joined by `|` (e.g. `sms_sent|channel=sms|country=DE|provider=twilio`). Sorted,
 * so the same labels in any order count into one series on every node; a label the stat does not
 * declare is a bug (a user or number must never become a label), so it throws.
 */
export function statSeriesKey(name: StatName, labels: Readonly<Record<string, string>> = {}): string {
  const allowed: readonly string[] = STAT_LABELS[name];
  const parts = Object.keys(labels).sort();
  for (const label of parts) {
    if (!allowed.includes(label)) throw new TypeError(`statSeriesKey: "${label}" is not a label of ${name} (expected one of ${allowed.join(', ')})`);
  }
  return [name, ...parts.map((label) => `${label}=${encodeURIComponent(labels[label]!)}`)].join('|');
}

export type ParsedStatSeries = { name: StatName; labels: Readonly<Record<string, string>> };

/** Reads a key written by statSeriesKey back; null for anything else (an unknown or renamed stat). */
export function parseStatSeriesKey(key: string): ParsedStatSeries | null {
  const [name, ...parts] = key.split('|');
  if (name === undefined || !isStatName(name)) return null;
  const allowed: readonly string[] = STAT_LABELS[name];
  const labels: Record<string, string> = {};
  for (const part of parts) {
    const eq = part.indexOf('=');
    if (eq <= 0) return null;
    const label = part.slice(0, eq);
    if (!allowed.includes(label)) return null;
    try {
      labels[label] = decodeURIComponent(part.slice(eq + 1));
    } catch {
      return null;
    }
  }
  return { name, labels };
}
