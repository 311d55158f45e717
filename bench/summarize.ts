/**
 * Benchmark of status summarization: `summarize()` over N location reports × M objects with 3 StatusCollectors
 * (groupBy + SUM/AVG/COUNT over Deployments, a health filter grouped by kind, a select with filter and limit).
 * The fleet is generated in memory, deterministically: 4 placements selecting every location, M/4 objects
 * each; 90% of locations healthy on the current revision, 3% degraded, 3% pending, 2% stale, 2% silent.
 *
 * `benchSummarize()` runs in the calling process and reports wall time and RSS growth; run this file on its
 * own (`node dist/bench/summarize.js [locations] [objects]`) to get the peak RSS of a fresh process as one JSON
 * line.
 */
import { createHash } from 'node:crypto';
import type { Location } from '../src/api/location.js';
import type { LocationReport, ObjectReport } from '../src/api/locationReport.js';
import type { EdgePlacement } from '../src/api/placement.js';
import type { StatusCollector } from '../src/api/statusCollector.js';
import { ProblemList } from '../src/errors/problem.js';
import { parseYamlDocuments } from '../src/load/yamlDocuments.js';
import { fileNameOf } from '../src/render/locationTree.js';
import { compileCollector, type CompiledCollector } from '../src/status/compileCollector.js';
import type { OutputRevision, PlacementOutput, ReportEntry } from '../src/status/outputRevision.js';
import { summarize, type SummaryInput } from '../src/status/summarize.js';

export interface SummarizeBenchOptions {
  /** Location reports. Default 10,000. */
  locations?: number;
  /** Objects per report (split over 4 placements). Default 40. */
  objectsPerReport?: number;
}

export interface SummarizeBenchResult {
  locations: number;
  objectsPerReport: number;
  collectors: number;
  /** Wall time of `summarize()` alone, milliseconds. */
  ms: number;
  /** Time to generate the input (not part of `ms`). */
  setupMs: number;
  /** Resident set size growth over the run (input + summary), MiB. */
  rssGrowthMiB: number;
  /** The process's peak RSS so far, MiB (meaningful when the process ran only this). */
  peakRssMiB: number;
  /** Per placement, locations per state: a check that the run summarized what it should. */
  counts: Record<string, number>;
  collectorRows: number[];
}

const PLACEMENTS = 4;
const NOW = new Date('2026-06-01T12:00:00Z');
const COLLECTORS = [
  `metadata: {name: ready-replicas}
spec:
  objects: {kinds: [Deployment]}
  groupBy: [{name: region, expr: location.labels.region}]
  combinedFields:
  - {name: deployments, type: COUNT}
  - {name: ready, type: SUM, expr: obj.status.readyReplicas}
  - {name: wanted, type: SUM, expr: obj.spec.replicas}
  - {name: avgReady, type: AVG, expr: "double(obj.status.readyReplicas) / double(obj.spec.replicas)"}`,
  `metadata: {name: not-healthy}
spec:
  filter: health.status != "Healthy"
  groupBy: [{name: kind, expr: obj.kind}, {name: health, expr: health.status}]
  combinedFields: [{name: objects, type: COUNT}]`,
  `metadata: {name: pending-images}
spec:
  filter: report.state == "pending" && obj.kind == "Deployment"
  select:
  - {name: location, expr: location.name}
  - {name: image, expr: "obj.spec.template.spec.containers[0].image"}
  limit: 20`,
];

/** Runs the benchmark once in this process. */
export function benchSummarize(options: SummarizeBenchOptions = {}): SummarizeBenchResult {
  const locations = options.locations ?? 10_000;
  const objectsPerReport = options.objectsPerReport ?? 40;
  const rssBefore = process.memoryUsage().rss;
  const setupStart = performance.now();
  const input = fleetInput(locations, Math.max(1, Math.floor(objectsPerReport / PLACEMENTS)));
  const setupMs = performance.now() - setupStart;
  const start = performance.now();
  const summary = summarize(input);
  const ms = performance.now() - start;
  const rssGrowthMiB = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
  const counts: Record<string, number> = {};
  for (const placement of summary.placements) {
    for (const [state, n] of Object.entries(placement.status.counts)) counts[state] = (counts[state] ?? 0) + n;
  }
  return {
    locations,
    objectsPerReport,
    collectors: COLLECTORS.length,
    ms,
    setupMs,
    rssGrowthMiB,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    counts,
    collectorRows: summary.placements[0]?.status.collectors?.map((c) => c.totalRows) ?? [],
  };
}

function fleetInput(n: number, perPlacement: number): SummaryInput {
  const collectors = new Map<string, CompiledCollector>(COLLECTORS.map((text) => {
    const compiled = compile(`apiVersion: edgeplane.io/v1alpha1\nkind: StatusCollector\n${text}\n`);
    return [compiled.name, compiled];
  }));
  const placements: EdgePlacement[] = Array.from({ length: PLACEMENTS }, (_, p) => ({
    apiVersion: 'edgeplane.io/v1alpha1',
    kind: 'EdgePlacement',
    metadata: { name: `workload-${p}` },
    spec: { locationSelectors: [{}], workloads: [{ path: `workloads/${p}` }], statusCollectors: [...collectors.keys()] },
  }));
  const locations: Location[] = [];
  const assignments = new Map<string, string[]>();
  const published = new Map<string, OutputRevision>();
  const reports = new Map<string, ReportEntry>();
  const placementNames = placements.map((p) => p.metadata.name);
  for (let i = 0; i < n; i++) {
    const name = `loc-${String(i).padStart(5, '0')}`;
    locations.push({ apiVersion: 'edgeplane.io/v1alpha1', kind: 'Location', metadata: { name, labels: { region: `region-${i % 8}`, ring: i % 10 === 0 ? 'canary' : 'stable' } } });
    assignments.set(name, placementNames);
    const objects = placementNames.flatMap((_placement, p) => workloadObjects(p, perPlacement, i));
    const files = new Map<string, PlacementOutput>(
      placementNames.map((placement, p) => [placement, { tree: sha(`${placement}-tree-v2`), files: workloadObjects(p, perPlacement, i).map((o) => `${fileNameOf({ apiVersion: o.apiVersion, kind: o.kind, metadata: { name: o.name, namespace: o.namespace! } })}`) }]),
    );
    const current: OutputRevision = { commit: sha(`${name}-v2`), digest: `sha1:${sha(`${name}-digest-v2`)}`, sourceCommit: sha('spec-v2'), placements: files };
    published.set(name, current);
    const roll = i % 100;
    if (roll >= 98) continue;
    const pending = roll >= 93 && roll < 96;
    const applied: OutputRevision = pending
      ? { commit: sha(`${name}-v1`), digest: `sha1:${sha(`${name}-digest-v1`)}`, sourceCommit: sha('spec-v1'), placements: new Map([...files].map(([k, v]) => [k, { ...v, tree: sha(`${k}-tree-v1`) }])) }
      : current;
    const degraded = roll >= 90 && roll < 93;
    const observedAt = roll >= 96 ? '2026-06-01T09:00:00Z' : '2026-06-01T11:58:00Z';
    const report: LocationReport = {
      apiVersion: 'edgeplane.io/v1alpha1',
      kind: 'LocationReport',
      metadata: { name },
      status: {
        observedAt,
        reporter: { kind: 'agent' },
        applied: { commit: applied.commit, digest: applied.digest!, sourceCommit: applied.sourceCommit! },
        consumer: { kind: 'kubectl', sync: 'Synced', health: degraded ? 'Degraded' : 'Healthy' },
        objects: degraded ? objects.map((o, k) => (k === 0 ? { ...o, health: 'Degraded', message: 'Deployment exceeded its progress deadline' } : o)) : objects,
      },
    };
    reports.set(name, { report, applied });
  }
  return { specCommit: sha('spec-v2'), locations, placements, assignments, published, reports, collectors, now: NOW, staleAfter: '30m' };
}

/** The objects of workload `p` at location `i`: Deployments, ConfigMaps and Services in turn. */
function workloadObjects(p: number, count: number, i: number): ObjectReport[] {
  const objects: ObjectReport[] = [];
  for (let k = 0; k < count; k++) {
    const kind = ['Deployment', 'ConfigMap', 'Service'][k % 3]!;
    const name = `w${p}-${kind.toLowerCase()}-${k}`;
    if (kind === 'Deployment') {
      const replicas = 1 + ((i + k) % 4);
      objects.push({
        apiVersion: 'apps/v1',
        kind,
        namespace: `ns-${p}`,
        name,
        health: 'Healthy',
        labels: { app: name },
        spec: { replicas, template: { spec: { containers: [{ name: 'main', image: `registry.example.org/${name}:1.${p}` }] } } },
        status: { observedGeneration: 1, replicas, readyReplicas: replicas, availableReplicas: replicas, updatedReplicas: replicas },
      });
    } else {
      objects.push({ apiVersion: 'v1', kind, namespace: `ns-${p}`, name, health: 'Healthy' });
    }
  }
  return objects;
}

function compile(text: string): CompiledCollector {
  const problems = new ProblemList();
  const [doc] = parseYamlDocuments(text, 'bench.yaml', problems);
  const object = doc!.value as StatusCollector;
  const compiled = compileCollector({ value: object, doc: doc!, file: 'bench.yaml', id: `StatusCollector/${object.metadata.name}` }, problems);
  if (!compiled) throw new Error(`bench collector does not compile: ${problems.problems.map((p) => p.message).join('; ')}`);
  return compiled;
}

function sha(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

// Run on its own: one JSON line, for a peak RSS of a process that did nothing else.
if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const [locations, objects] = process.argv.slice(2).map(Number);
  process.stdout.write(`${JSON.stringify(benchSummarize({ ...(locations ? { locations } : {}), ...(objects ? { objectsPerReport: objects } : {}) }))}\n`);
}
