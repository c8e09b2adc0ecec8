import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createMetrics } from '../../src/metrics/createMetrics';

/**
 * Every PromQL expression in ops/grafana/stepguard.json and ops/prometheus/stepguard.rules.yml
 * names only metrics the code registers (histograms with their _bucket/_sum/_count series), and
 * selects or groups only by labels those metrics have: a renamed metric or label breaks this
 * test, not an operator's dashboard at 3 a.m.
 */
const OPS = join(__dirname, '..', '..', 'ops');

/** The registered series names -> their label names (from createMetrics' own registry). */
function registeredSeries(): Map<string, Set<string>> {
  const { registry } = createMetrics();
  const series = new Map<string, Set<string>>();
  // The registered instances: their names, types and label names, as the code declares them.
  for (const metric of registry.getMetricsAsArray() as unknown as { name: string; type: string; labelNames?: string[] }[]) {
    const labels = new Set(metric.labelNames ?? []);
    if (metric.type === 'histogram') {
      series.set(`${metric.name}_bucket`, new Set([...labels, 'le']));
      series.set(`${metric.name}_sum`, labels);
      series.set(`${metric.name}_count`, labels);
    } else {
      series.set(metric.name, labels);
    }
  }
  return series;
}

/** `expr:` of each rule: one line, or a `|` block (the two forms the rules file uses). */
function ruleExpressions(yaml: string): string[] {
  const lines = yaml.split('\n');
  const exprs: string[] = [];
  lines.forEach((line, i) => {
    const match = /^(\s*)expr:\s*(.*)$/.exec(line);
    if (!match) return;
    const [, indent = '', rest = ''] = match;
    if (rest !== '|') return void exprs.push(rest);
    const block: string[] = [];
    for (let j = i + 1; j < lines.length && (lines[j]!.trim() === '' || lines[j]!.search(/\S/) > indent.length); j += 1) block.push(lines[j]!);
    exprs.push(block.join('\n'));
  });
  return exprs;
}

function dashboardExpressions(json: string): string[] {
  const dashboard = JSON.parse(json) as { panels: { targets?: { expr?: string }[] }[] };
  return dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr ?? ''));
}

const METRIC = /\b(stepguard_[a-z0-9_]+)\b/g;

/** Metric names, and the labels each selector `{...}` on it names. */
function selectors(expr: string): { metric: string; labels: string[] }[] {
  const found: { metric: string; labels: string[] }[] = [];
  for (const m of expr.matchAll(/\b(stepguard_[a-z0-9_]+)\s*(\{([^}]*)\})?/g)) {
    const labels = m[3] ? [...m[3].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)/g)].map((l) => l[1]!) : [];
    found.push({ metric: m[1]!, labels });
  }
  return found;
}

/** Labels named in `by (...)` / `without (...)` / `on (...)` / `ignoring (...)` groupings. */
function groupingLabels(expr: string): string[] {
  return [...expr.matchAll(/\b(?:by|without|on|ignoring)\s*\(([^)]*)\)/g)].flatMap((m) => m[1]!.split(',').map((l) => l.trim()).filter(Boolean));
}

const rulesYaml = readFileSync(join(OPS, 'prometheus', 'stepguard.rules.yml'), 'utf8');
const sources: [string, string[]][] = [
  ['ops/prometheus/stepguard.rules.yml', ruleExpressions(rulesYaml)],
  ['ops/grafana/stepguard.json', dashboardExpressions(readFileSync(join(OPS, 'grafana', 'stepguard.json'), 'utf8'))],
];

describe('ops files name only what the code registers', () => {
  const registered = registeredSeries();

  it('reads an expression for every alert in the rules file (the extractor misses none)', () => {
    const alerts = rulesYaml.match(/^\s*- alert:/gm) ?? [];
    expect(alerts.length).toBeGreaterThanOrEqual(7);
    expect(ruleExpressions(rulesYaml)).toHaveLength(alerts.length);
  });

  it.each(sources)('%s: every expression names a registered metric and only registered metrics', (_file, exprs) => {
    expect(exprs.length).toBeGreaterThan(0);
    for (const expr of exprs) {
      const names = [...expr.matchAll(METRIC)].map((m) => m[1]!);
      expect({ expr, names: names.length > 0 }).toEqual({ expr, names: true });
      for (const name of names) expect({ expr, name, registered: registered.has(name) }).toEqual({ expr, name, registered: true });
    }
  });

  it.each(sources)('%s: selectors and groupings use labels the metrics have', (_file, exprs) => {
    for (const expr of exprs) {
      const used = selectors(expr);
      const known = new Set(used.flatMap((s) => [...(registered.get(s.metric) ?? [])]));
      for (const { metric, labels } of used) {
        for (const label of labels) expect({ metric, label, known: registered.get(metric)?.has(label) ?? false }).toEqual({ metric, label, known: true });
      }
      for (const label of groupingLabels(expr)) expect({ expr, label, known: known.has(label) }).toEqual({ expr, label, known: true });
    }
  });

  it('catches a metric that is not registered (the check can fail)', () => {
    const names = [...'sum(rate(stepguard_sms_sent_totl[5m]))'.matchAll(METRIC)].map((m) => m[1]!);
    expect(names.every((n) => registered.has(n))).toBe(false);
  });

  it('the dashboard covers what the overview shows: delivery, verification, refusals, breakers, spend, lockouts, step-up decisions', () => {
    const all = sources[1]![1].join('\n');
    for (const metric of [
      'stepguard_sms_sent_total',
      'stepguard_sms_delivery_latency_seconds_bucket',
      'stepguard_verifications_total',
      'stepguard_sms_blocked_total',
      'stepguard_sms_breaker_open_until_timestamp_seconds',
      'stepguard_sms_spend_micros_total',
      'stepguard_sms_spend_cap_micros',
      'stepguard_lockouts_total',
      'stepguard_step_up_decisions_total',
    ]) expect(all).toContain(metric);
  });
});
