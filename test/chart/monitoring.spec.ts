/**
 * The chart's alerts (a Prometheus Operator PrometheusRule) and Grafana dashboard (a ConfigMap for
 * the dashboard sidecar): when they render, what each alert carries, that every expression is
 * PromQL (parsed with Prometheus' own grammar, @prometheus-io/lezer-promql) and that every metric
 * they use is one the booted service really exposes on /metrics (the catch-up ones: see
 * CATCHUP_METRICS).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parser } from '@prometheus-io/lezer-promql';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadFixture } from '../support/fixtures.js';
import { RecordingModule } from '../support/recording.handler.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { CHART_DIR, FULLNAME, findAll, findOne, helmTemplate, type Manifest, ROOT, SCENARIO_OPTIONS } from './helm.js';
import { waitFor } from '../support/wait-for.js';

const SCENARIO = 'prometheus-rule-dashboard-values.yaml';
const API = SCENARIO_OPTIONS[SCENARIO];
const DASHBOARD_NAME = `${FULLNAME}-dashboard`;

/**
 * The catch-up metrics the alerts and the dashboard use, as the catch-up design names them. Catch-up
 * is being built beside the chart, and the service exports these only with OPENREGISTER_URL set, so
 * the booted app below does not show them: they are checked against this list instead of /metrics,
 * and, as soon as src/ declares any webhook_catchup_* metric, against the names src/ declares.
 * Once catch-up has landed, boot the app below with catch-up on and drop this list.
 */
const CATCHUP_METRICS = ['webhook_catchup_events_total', 'webhook_catchup_lag_seconds', 'webhook_catchup_leader', 'webhook_catchup_recovered_total'];

/** The webhook_catchup_* metric names declared (`name: '...'`) in the service's sources, not its specs. */
function catchupMetricsDeclaredInSources(): string[] {
  const files = readdirSync(join(ROOT, 'src'), { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts') && !file.endsWith('.spec.ts'));
  const names = files.flatMap((file) => [...readFileSync(join(ROOT, 'src', file), 'utf8').matchAll(/name:\s*['"`](webhook_catchup_[a-z_]+)['"`]/g)].map((match) => match[1]));
  return [...new Set(names)].sort();
}

interface ParsedPromQL {
  /** Offsets of the parse errors; empty for valid PromQL. */
  errors: number[];
  /** The metric names of every vector selector. */
  metrics: string[];
  /** The label matchers of every vector selector, as written. */
  matchers: string[];
}

function parsePromQL(expr: string): ParsedPromQL {
  const parsed: ParsedPromQL = { errors: [], metrics: [], matchers: [] };
  parser.parse(expr).iterate({
    enter(node) {
      if (node.type.isError) parsed.errors.push(node.from);
      if (node.name !== 'VectorSelector') return;
      const name = node.node.getChild('Identifier');
      if (name) parsed.metrics.push(expr.slice(name.from, name.to));
      const matchers = node.node.getChild('LabelMatchers');
      parsed.matchers.push(matchers ? expr.slice(matchers.from, matchers.to) : '');
    },
  });
  return parsed;
}

/** Grafana's interval variables are not PromQL; Grafana puts a duration there. */
const withGrafanaVariables = (expr: string) => expr.replace(/\$__(rate_interval|interval|range)\b/g, '5m');

const ruleOf = (docs: Manifest[]) => findOne(docs, 'PrometheusRule');
const alertsOf = (docs: Manifest[]) => (ruleOf(docs).spec.groups as Manifest[]).flatMap((g) => g.rules as Manifest[]);
const dashboardOf = (docs: Manifest[]) => JSON.parse(findOne(docs, 'ConfigMap', DASHBOARD_NAME).data['openregister-webhooks.json'] as string);
const targetsOf = (dashboard: Manifest) =>
  (dashboard.panels as Manifest[]).flatMap((panel) => (panel.targets as Manifest[]).map((target) => ({ panel: panel.title as string, expr: target.expr as string })));

describe('the PromQL check itself', () => {
  it('finds errors and metric names (so the checks below can fail)', () => {
    expect(parsePromQL('rate(webhook_deliveries_total[5m]').errors).not.toEqual([]);
    expect(parsePromQL('sum by (le) (rate(x_bucket{a="b"}[5m])) > 0')).toEqual({ errors: [], metrics: ['x_bucket'], matchers: ['{a="b"}'] });
  });
});

describe('PrometheusRule', () => {
  it('is rendered when enabled and the cluster serves monitoring.coreos.com/v1, else not', () => {
    expect(findAll(helmTemplate([SCENARIO], [], API), 'PrometheusRule')).toHaveLength(1);
    expect(findAll(helmTemplate([SCENARIO]), 'PrometheusRule')).toHaveLength(0);
    expect(findAll(helmTemplate([], [], API), 'PrometheusRule')).toHaveLength(0);
  });

  it('carries the labels Prometheus selects rules by, in the release namespace by default', () => {
    const rule = ruleOf(helmTemplate([SCENARIO], [], API));
    expect(rule.metadata.labels.release).toBe('kube-prometheus-stack');
    expect(rule.metadata.namespace).toBe('webhooks');
    expect(ruleOf(helmTemplate([SCENARIO], { 'metrics.prometheusRule.namespace': 'monitoring' }, API)).metadata.namespace).toBe('monitoring');
  });

  it('has the alerts an operator needs, each with severity, summary, description and a runbook hint', () => {
    const alerts = alertsOf(helmTemplate([SCENARIO], [], API));
    expect(alerts.map((a) => a.alert)).toEqual([
      'OpenRegisterWebhooksDeadLetters',
      'OpenRegisterWebhooksBacklogGrowing',
      'OpenRegisterWebhooksDeliveriesRefused',
      'OpenRegisterWebhooksNotReady',
      'OpenRegisterWebhooksNoReadyPod',
      'OpenRegisterWebhooksStoreDown',
      'OpenRegisterWebhooksHandlerFailures',
      'OpenRegisterWebhooksCatchupLagging',
      'OpenRegisterWebhooksCatchupNoLeader',
    ]);
    for (const alert of alerts) {
      expect(alert.labels).toEqual({ severity: expect.stringMatching(/^(warning|critical)$/), team: 'integrations' });
      expect(alert.for).toMatch(/^[0-9]+m$/);
      expect(alert.annotations).toEqual({
        summary: expect.any(String),
        description: expect.stringContaining('{{ $labels.namespace }}/{{ $labels.service }}'),
        runbook: expect.any(String),
        runbook_url: `https://runbooks.example.org/openregister-webhooks#${alert.alert.toLowerCase()}`,
      });
    }
    const severity = Object.fromEntries(alerts.map((a) => [a.alert, a.labels.severity]));
    expect(severity.OpenRegisterWebhooksDeliveriesRefused).toBe('critical');
    expect(severity.OpenRegisterWebhooksNoReadyPod).toBe('critical');
    expect(severity.OpenRegisterWebhooksStoreDown).toBe('critical');
    expect(severity.OpenRegisterWebhooksDeadLetters).toBe('warning');
    expect(severity.OpenRegisterWebhooksCatchupLagging).toBe('warning');
    expect(severity.OpenRegisterWebhooksCatchupNoLeader).toBe('warning');
  });

  it('has the catch-up alerts only with catchup.enabled', () => {
    const names = (docs: Manifest[]) => alertsOf(docs).map((a) => a.alert as string);
    expect(names(helmTemplate([SCENARIO], { 'catchup.enabled': false }, API))).not.toContain('OpenRegisterWebhooksCatchupLagging');
    expect(names(helmTemplate([SCENARIO], { 'catchup.enabled': false }, API)).filter((name) => name.includes('Catchup'))).toEqual([]);
    expect(names(helmTemplate([SCENARIO], [], API)).filter((name) => name.includes('Catchup'))).toHaveLength(2);
  });

  it('alerts on a catch-up lag of 10 intervals for 10 minutes (or the configured threshold), and on no reader for 5 minutes', () => {
    const byName = (docs: Manifest[]) => Object.fromEntries(alertsOf(docs).map((a) => [a.alert as string, a]));
    const scenario = byName(helmTemplate([SCENARIO], [], API));
    // The scenario reads every 60 s.
    expect(scenario.OpenRegisterWebhooksCatchupLagging.expr).toMatch(/\) > 600$/);
    expect(scenario.OpenRegisterWebhooksCatchupLagging.for).toBe('10m');
    expect(scenario.OpenRegisterWebhooksCatchupNoLeader.for).toBe('5m');
    const defaults = byName(helmTemplate([SCENARIO], { 'catchup.intervalSeconds': 30 }, API));
    expect(defaults.OpenRegisterWebhooksCatchupLagging.expr).toMatch(/\) > 300$/);
    const configured = byName(helmTemplate([SCENARIO], { 'metrics.prometheusRule.catchupLagThresholdSeconds': 1800 }, API));
    expect(configured.OpenRegisterWebhooksCatchupLagging.expr).toMatch(/\) > 1800$/);
  });

  it('leaves runbook_url and extra labels out when not configured', () => {
    for (const alert of alertsOf(helmTemplate([], { 'metrics.prometheusRule.enabled': true }, API))) {
      expect(alert.annotations.runbook_url).toBeUndefined();
      expect(Object.keys(alert.labels)).toEqual(['severity']);
    }
  });

  it('has only valid PromQL, every selector scoped to this release', () => {
    for (const alert of alertsOf(helmTemplate([SCENARIO], [], API))) {
      const parsed = parsePromQL(alert.expr);
      expect({ alert: alert.alert, errors: parsed.errors }).toEqual({ alert: alert.alert, errors: [] });
      expect(parsed.metrics.length).toBeGreaterThan(0);
      for (const matchers of parsed.matchers) expect(matchers).toContain(`namespace="webhooks",service="${FULLNAME}"`);
    }
  });

  it('says what each alert watches', () => {
    const expr = Object.fromEntries(alertsOf(helmTemplate([SCENARIO], [], API)).map((a) => [a.alert, (a.expr as string).replace(/\s+/g, ' ')]));
    expect(expr.OpenRegisterWebhooksDeadLetters).toMatch(/webhook_dead_letters\{.*\}\) > 0$/);
    expect(expr.OpenRegisterWebhooksBacklogGrowing).toMatch(/webhook_queue_depth\{status="queued",.*\}\) > 500 and .*deriv\(webhook_queue_depth\{status="queued",.*\}\[15m\]\)\) > 0$/);
    expect(expr.OpenRegisterWebhooksDeliveriesRefused).toMatch(/rate\(webhook_deliveries_total\{outcome="failed",.*\}\[5m\]\)\) > 0$/);
    expect(expr.OpenRegisterWebhooksNotReady).toMatch(/min by \(namespace, service, pod\) \(webhook_ready\{.*\}\) == 0$/);
    expect(expr.OpenRegisterWebhooksNoReadyPod).toMatch(/max by \(namespace, service\) \(webhook_ready\{.*\}\) == 0$/);
    expect(expr.OpenRegisterWebhooksStoreDown).toMatch(/^min by \(namespace, service, pod\) \(webhook_store_up\{.*\}\) == 0$/);
    expect(expr.OpenRegisterWebhooksHandlerFailures).toMatch(
      /rate\(webhook_handler_runs_total\{outcome!="success",.*\}\[15m\]\)\) \/ sum by \(namespace, service\) \(rate\(webhook_handler_runs_total\{.*\}\[15m\]\)\) > 0\.1$/,
    );
    expect(expr.OpenRegisterWebhooksCatchupLagging).toMatch(/^max by \(namespace, service\) \(webhook_catchup_lag_seconds\{.*\}\) > 600$/);
    expect(expr.OpenRegisterWebhooksCatchupNoLeader).toMatch(/^max by \(namespace, service\) \(webhook_catchup_leader\{.*\}\) == 0$/);
  });

  it('takes another series selector (for scrapes not made by the chart ServiceMonitor)', () => {
    const docs = helmTemplate([SCENARIO], ['metrics.prometheusRule.seriesSelector=job="webhooks"'], API);
    for (const alert of alertsOf(docs)) {
      const parsed = parsePromQL(alert.expr);
      expect(parsed.errors).toEqual([]);
      for (const matchers of parsed.matchers) {
        expect(matchers).toContain('job="webhooks"');
        expect(matchers).not.toContain('service=');
      }
    }
  });
});

describe('Grafana dashboard ConfigMap', () => {
  it('is rendered only when enabled, with the sidecar label (configurable) and annotations', () => {
    expect(findAll(helmTemplate(), 'ConfigMap').map((c) => c.metadata.name)).toEqual([FULLNAME]);
    const configMap = findOne(helmTemplate([SCENARIO], [], API), 'ConfigMap', DASHBOARD_NAME);
    expect(configMap.metadata.labels.grafana_dashboard).toBe('1');
    expect(configMap.metadata.namespace).toBe('monitoring');
    expect(configMap.metadata.annotations).toEqual({ grafana_folder: 'Integrations' });
    const custom = findOne(
      helmTemplate([SCENARIO], { 'metrics.grafanaDashboard.labelKey': 'dashboards', 'metrics.grafanaDashboard.labelValue': 'webhooks' }, API),
      'ConfigMap',
      DASHBOARD_NAME,
    );
    expect(custom.metadata.labels.dashboards).toBe('webhooks');
    expect(custom.metadata.labels.grafana_dashboard).toBeUndefined();
  });

  it('holds the chart file dashboards/openregister-webhooks.json, as JSON', () => {
    const dashboard = dashboardOf(helmTemplate([SCENARIO], [], API));
    expect(dashboard).toEqual(JSON.parse(readFileSync(join(CHART_DIR, 'dashboards', 'openregister-webhooks.json'), 'utf8')));
    expect(dashboard.uid).toBe('openregister-webhooks');
    expect(dashboard.templating.list.map((v: Manifest) => v.name)).toEqual(['datasource', 'namespace', 'service']);
  });

  it('shows deliveries by outcome, acknowledgement latency p50/p99, backlog, handler runs and failures', () => {
    const targets = targetsOf(dashboardOf(helmTemplate([SCENARIO], [], API)));
    const exprsOf = (panel: string) => targets.filter((t) => t.panel === panel).map((t) => t.expr);
    expect(exprsOf('Deliveries by outcome').join()).toMatch(/sum by \(outcome\) \(rate\(webhook_deliveries_total/);
    expect(exprsOf('Acknowledgement latency')).toEqual([
      expect.stringMatching(/^histogram_quantile\(0\.5, .*webhook_ack_duration_seconds_bucket/),
      expect.stringMatching(/^histogram_quantile\(0\.99, .*webhook_ack_duration_seconds_bucket/),
    ]);
    expect(exprsOf('Backlog').join()).toMatch(/webhook_queue_depth\{status=~"queued\|processing"/);
    expect(exprsOf('Handler runs by outcome').join()).toMatch(/sum by \(handler, outcome\) \(rate\(webhook_handler_runs_total/);
    expect(exprsOf('Handler failures').join()).toMatch(/webhook_handler_runs_total\{outcome!="success"/);
  });

  it('shows the catch-up lag and the changes catch-up reads and recovers per second', () => {
    const targets = targetsOf(dashboardOf(helmTemplate([SCENARIO], [], API)));
    const exprsOf = (panel: string) => targets.filter((t) => t.panel === panel).map((t) => t.expr);
    expect(exprsOf('Catch-up lag')).toEqual([expect.stringMatching(/^max\(webhook_catchup_lag_seconds\{/)]);
    expect(exprsOf('Catch-up events')).toEqual([
      expect.stringMatching(/^sum by \(type\) \(rate\(webhook_catchup_events_total\{/),
      expect.stringMatching(/^sum\(rate\(webhook_catchup_recovered_total\{/),
    ]);
  });

  it('has only valid PromQL in its panels, each scoped by the namespace and service variables', () => {
    const targets = targetsOf(dashboardOf(helmTemplate([SCENARIO], [], API)));
    expect(targets.length).toBeGreaterThanOrEqual(10);
    for (const { panel, expr } of targets) {
      const parsed = parsePromQL(withGrafanaVariables(expr));
      expect({ panel, errors: parsed.errors }).toEqual({ panel, errors: [] });
      for (const matchers of parsed.matchers) expect(matchers).toContain('namespace="$namespace",service="$service"');
    }
  });
});

describe('every metric the alerts and the dashboard use exists in the service', () => {
  let t: TestApp;
  let exposed: Set<string>;

  beforeAll(async () => {
    // Queued, as in production: only then does the service expose the inbox's gauges.
    t = await startTestApp({ DELIVERY_MODE: 'queued' }, { extensions: [RecordingModule] });
    // One delivery, so the labelled series (deliveries, handler runs, acknowledgement latency) exist.
    expect((await t.send(loadFixture('openregister-object-created'))).status).toBe(202);
    let text = '';
    await waitFor(async () => (text = await t.metrics()).includes('webhook_handler_runs_total{'), { timeoutInMs: 10_000, what: 'the handler to run (its series on /metrics)' });
    exposed = new Set(text.split('\n').filter((line) => line && !line.startsWith('#')).map((line) => /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0] ?? ''));
  });
  afterAll(() => t.close());

  it('reads them from /metrics of the booted app', () => {
    const docs = helmTemplate([SCENARIO], [], API);
    const used = new Set([
      ...alertsOf(docs).flatMap((a) => parsePromQL(a.expr).metrics),
      ...targetsOf(dashboardOf(docs)).flatMap((target) => parsePromQL(withGrafanaVariables(target.expr)).metrics),
    ]);
    expect([...used].sort()).toEqual([
      'webhook_ack_duration_seconds_bucket',
      ...CATCHUP_METRICS,
      'webhook_dead_letters',
      'webhook_deliveries_total',
      'webhook_handler_duration_seconds_bucket',
      'webhook_handler_runs_total',
      'webhook_queue_depth',
      'webhook_ready',
      'webhook_store_up',
    ]);
    expect([...used].filter((name) => !exposed.has(name) && !CATCHUP_METRICS.includes(name))).toEqual([]);
  });

  it('names the catch-up metrics as the service declares them, once it declares any', () => {
    const declared = catchupMetricsDeclaredInSources();
    // Until catch-up's metrics land in src/ there is nothing to compare with; from then on, every
    // name the chart uses must be one the service declares.
    expect(CATCHUP_METRICS.filter((name) => declared.length > 0 && !declared.includes(name))).toEqual([]);
  });

  it('would notice a metric that does not exist', () => {
    expect(exposed.has('webhook_deliveries_total')).toBe(true);
    expect(exposed.has('webhook_acknowledgements_total')).toBe(false);
  });
});
