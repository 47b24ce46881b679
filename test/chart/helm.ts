/**
 * Shared helpers for the chart tests: installs the pinned helm (scripts/install-helm.mjs) before the
 * first test of every file that imports this module, and renders the chart into parsed manifests.
 * No cluster is involved: `helm template` and `helm lint` run offline.
 */
import { beforeAll } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CHART_DIR = join(ROOT, 'helm', 'openregister-webhooks');
export const CI_DIR = join(CHART_DIR, 'ci');
export const HELM = join(ROOT, '.tools', 'helm');
export const RELEASE = 'orw';
export const NAMESPACE = 'webhooks';
/** The fullname the chart gives every object for RELEASE. */
export const FULLNAME = `${RELEASE}-openregister-webhooks`;

/** A rendered Kubernetes object, loosely typed: tests reach into it by path. */
export type Manifest = Record<string, any>;

export interface RenderOptions {
  /** Passed as `--api-versions`, e.g. monitoring.coreos.com/v1. */
  apiVersions?: string[];
  /** Any further helm arguments. */
  extraArgs?: string[];
}

export interface HelmResult {
  status: number;
  stdout: string;
  stderr: string;
}

// Installs helm once per test file (the script returns at once when .tools/helm is current, and
// Jest workers running it together wait on its lock). A fresh machine downloads about 35 MB.
beforeAll(() => {
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'install-helm.mjs'), '--quiet'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}, 300_000);

/** Runs helm with the given arguments; never throws on a non-zero exit. */
export function helm(args: string[]): HelmResult {
  const result = spawnSync(HELM, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw result.error;
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

function setFlags(setArgs: string[] | Record<string, string | number | boolean>): string[] {
  const pairs = Array.isArray(setArgs) ? setArgs : Object.entries(setArgs).map(([k, v]) => `${k}=${v}`);
  return pairs.flatMap((pair) => ['--set', pair]);
}

/** Arguments of `helm template` for the chart with the given values files and --set pairs. */
export function templateArgs(
  valuesFiles: string[] = [],
  setArgs: string[] | Record<string, string | number | boolean> = [],
  options: RenderOptions = {},
  chartDir = CHART_DIR,
): string[] {
  return [
    'template',
    RELEASE,
    chartDir,
    '--namespace',
    NAMESPACE,
    ...valuesFiles.flatMap((file) => ['--values', resolve(CI_DIR, file)]),
    ...setFlags(setArgs),
    ...(options.apiVersions ?? []).flatMap((v) => ['--api-versions', v]),
    ...(options.extraArgs ?? []),
  ];
}

/** Runs `helm template` and returns its raw result, for tests that expect it to fail. */
export function helmTemplateRaw(
  valuesFiles: string[] = [],
  setArgs: string[] | Record<string, string | number | boolean> = [],
  options: RenderOptions = {},
): HelmResult {
  return helm(templateArgs(valuesFiles, setArgs, options));
}

export function parseManifests(yamlText: string): Manifest[] {
  return parseAllDocuments(yamlText)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`invalid YAML rendered: ${doc.errors[0].message}`);
      return doc.toJS() as Manifest | null;
    })
    .filter((doc): doc is Manifest => doc !== null && typeof doc === 'object');
}

/**
 * Renders the chart and returns the parsed documents. Values files are resolved against the
 * chart's ci/ directory (absolute paths work too). Throws with helm's message when rendering fails.
 */
export function helmTemplate(
  valuesFiles: string[] = [],
  setArgs: string[] | Record<string, string | number | boolean> = [],
  options: RenderOptions = {},
): Manifest[] {
  const result = helmTemplateRaw(valuesFiles, setArgs, options);
  if (result.status !== 0) throw new Error(`helm template failed:\n${result.stderr}`);
  return parseManifests(result.stdout);
}

/** The one object of a kind (and name, when given) among the rendered documents. */
export function findOne(docs: Manifest[], kind: string, name?: string): Manifest {
  const found = docs.filter((d) => d.kind === kind && (name === undefined || d.metadata?.name === name));
  if (found.length !== 1) {
    throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`);
  }
  return found[0];
}

export function findAll(docs: Manifest[], kind: string): Manifest[] {
  return docs.filter((d) => d.kind === kind);
}

/** The Deployment's service container. */
export function mainContainer(docs: Manifest[]): Manifest {
  const containers = findOne(docs, 'Deployment').spec.template.spec.containers as Manifest[];
  const container = containers.find((c) => c.name === 'openregister-webhooks');
  if (!container) throw new Error('no openregister-webhooks container');
  return container;
}

/**
 * The service container's env entries the service reads: all but NODE_OPTIONS, which is Node's
 * (the V8 heap ceiling), not part of the service's contract.
 */
export function serviceEnvOf(docs: Manifest[]): Manifest[] {
  return ((mainContainer(docs).env ?? []) as Manifest[]).filter((e) => e.name !== 'NODE_OPTIONS');
}

/** The ci/*-values.yaml scenario files, by file name. */
export function ciScenarios(): string[] {
  return readdirSync(CI_DIR)
    .filter((f) => f.endsWith('-values.yaml'))
    .sort();
}

/** Extra helm arguments some scenarios need (the Prometheus Operator ones need its CRD API served). */
export const SCENARIO_OPTIONS: Record<string, RenderOptions> = {
  'ingress-tls-servicemonitor-values.yaml': { apiVersions: ['monitoring.coreos.com/v1'] },
  'prometheus-rule-dashboard-values.yaml': { apiVersions: ['monitoring.coreos.com/v1'] },
};

/**
 * Renders NOTES.txt, which `helm template` skips and `helm install --dry-run` cannot render without
 * a cluster: a throw-away copy of the chart turns it into a named template and prints it inside a
 * ConfigMap.
 */
export function renderNotes(
  valuesFiles: string[] = [],
  setArgs: string[] | Record<string, string | number | boolean> = [],
  options: RenderOptions = {},
): string {
  const work = mkdtempSync(join(tmpdir(), 'chart-notes-'));
  try {
    const chart = join(work, 'openregister-webhooks');
    cpSync(CHART_DIR, chart, { recursive: true });
    const notes = readFileSync(join(chart, 'templates', 'NOTES.txt'), 'utf8');
    rmSync(join(chart, 'templates', 'NOTES.txt'));
    writeFileSync(join(chart, 'templates', '_notes-under-test.tpl'), `{{- define "notes.under.test" -}}\n${notes}\n{{- end }}\n`);
    writeFileSync(
      join(chart, 'templates', 'notes-under-test.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes-under-test\ndata:\n  notes: {{ include "notes.under.test" . | quote }}\n',
    );
    const args = templateArgs(valuesFiles, setArgs, options, chart);
    const result = helm([...args, '--show-only', 'templates/notes-under-test.yaml']);
    if (result.status !== 0) throw new Error(`rendering NOTES.txt failed:\n${result.stderr}`);
    return findOne(parseManifests(result.stdout), 'ConfigMap').data.notes as string;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
