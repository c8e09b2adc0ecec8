import { STAT_LABELS, isStatName, type StatName } from './statNames';

/**
 * The canonical key of one series: `name` then its labels sorted by name, each `k=v` with the
 * value URI-encoded, joined by `|` (e.g. `sms_sent|channel=sms|country=DE|provider=twilio`). Sorted,
 * so the same labels in any order count into one series on every node; a label the stat does not
 * declare is a bug (a user or number must never become a label), so it throws.
 */
export function statSeriesKey(name: StatName, labels: Readonly<Record<string, string>> = {}): string {
  const sorted = SORTED_LABELS[name];
  // Every recorded metric event builds one (issue 12): the declared labels walked in their
  // sorted order, no sort per call, a value encoded only when it holds anything to encode.
  let key: string = name;
  let used = 0;
  for (const label of sorted) {
    if (!Object.prototype.hasOwnProperty.call(labels, label)) continue;
    used += 1;
    const value = String(labels[label]);
    key += `|${label}=${PLAIN.test(value) ? value : encodeURIComponent(value)}`;
  }
  if (used !== Object.keys(labels).length) {
    const stray = Object.keys(labels).find((label) => !sorted.includes(label));
    throw new TypeError(`statSeriesKey: "${stray}" is not a label of ${name} (expected one of ${STAT_LABELS[name].join(', ')})`);
  }
  return key;
}

/** Characters encodeURIComponent leaves as they are (and `|`-free): such a value is its own encoding. */
const PLAIN = /^[A-Za-z0-9\-_.!~*'()]*$/;

const SORTED_LABELS = Object.fromEntries(Object.entries(STAT_LABELS).map(([name, labels]) => [name, [...labels].sort()])) as unknown as Record<StatName, readonly string[]>;

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
