/**
 * A fleet for the status tests: `n` ground stations (`site-00` …) in three regions running `telemetry` (a
 * Deployment and a ConfigMap in namespace telemetry) and one `hq` location running `control`, which asks for
 * its singleton reported state. Three StatusCollectors cover groupBy + combinedFields, select + filter +
 * limit, and a filter on health.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LocationReport, ObjectReport } from '../../src/api/locationReport.js';
import { git, tempDir } from '../support/specRepo.js';

export const REGIONS = ['eu-north', 'eu-west', 'americas'] as const;

export function siteName(i: number): string {
  return `site-${String(i).padStart(2, '0')}`;
}

export function regionOf(i: number): string {
  return REGIONS[i % REGIONS.length]!;
}

/** The spec repo's files for `n` stations and the telemetry image `image`. */
export function statusFleetFiles(n: number, image: string): Record<string, string> {
  const V = 'apiVersion: edgeplane.io/v1alpha1';
  const sites = Array.from({ length: n }, (_, i) => `${V}\nkind: Location\nmetadata:\n  name: ${siteName(i)}\n  labels: {tier: station, region: ${regionOf(i)}}\nspec:\n  params: {replicas: 2}\n`);
  return {
    'edgeplane.yaml': `${V}\nkind: Settings\nspec:\n  output: {repo: self, mode: branch}\n  status: {staleAfter: 30m}\n`,
    'inventory/sites.yaml': sites.join('---\n'),
    'inventory/hq.yaml': `${V}\nkind: Location\nmetadata:\n  name: hq\n  labels: {tier: hq, region: eu-west}\n`,
    'placements/telemetry.yaml': `${V}\nkind: EdgePlacement\nmetadata: {name: telemetry}\nspec:\n  locationSelectors: [{matchLabels: {tier: station}}]\n  workloads: [{path: workloads/telemetry}]\n  statusCollectors: [ready-replicas, pending-images, not-healthy]\n`,
    'placements/control.yaml': `${V}\nkind: EdgePlacement\nmetadata: {name: control}\nspec:\n  locationSelectors: [{matchLabels: {tier: hq}}]\n  workloads: [{path: workloads/control}]\n  wantSingletonReportedState: true\n`,
    'workloads/telemetry/ingest.yaml': [
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ingest, namespace: telemetry}\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: ingest}}\n',
      `  template:\n    metadata: {labels: {app: ingest}}\n    spec:\n      containers: [{name: ingest, image: "${image}"}]\n`,
      '---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: station, namespace: telemetry}\ndata: {band: x}\n',
    ].join(''),
    'workloads/control/controller.yaml':
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: controller, namespace: control}\nspec:\n  replicas: 1\n  selector: {matchLabels: {app: controller}}\n  template:\n    metadata: {labels: {app: controller}}\n    spec:\n      containers: [{name: c, image: "controller:1"}]\n',
    'collectors/ready-replicas.yaml': `${V}\nkind: StatusCollector\nmetadata: {name: ready-replicas}\nspec:\n  objects: {kinds: [Deployment]}\n  groupBy:\n  - {name: region, expr: location.labels.region}\n  combinedFields:\n  - {name: locations, type: COUNT}\n  - {name: ready, type: SUM, expr: obj.status.readyReplicas}\n  - {name: wanted, type: SUM, expr: obj.spec.replicas}\n`,
    'collectors/pending-images.yaml': `${V}\nkind: StatusCollector\nmetadata: {name: pending-images}\nspec:\n  filter: obj.kind == "Deployment" && report.state == "pending"\n  select:\n  - {name: location, expr: location.name}\n  - {name: image, expr: "obj.spec.template.spec.containers[0].image"}\n  limit: 3\n`,
    'collectors/not-healthy.yaml': `${V}\nkind: StatusCollector\nmetadata: {name: not-healthy}\nspec:\n  filter: health.status != "Healthy"\n  groupBy: [{name: health, expr: health.status}]\n  combinedFields: [{name: objects, type: COUNT}]\n`,
  };
}

/** A committed spec repo with `files`. */
export function statusFleetRepo(files: Record<string, string | null>): string {
  const dir = tempDir('edgeplane-status-');
  writeFiles(dir, files);
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'spec');
  return dir;
}

export function writeFiles(dir: string, files: Record<string, string | null>): void {
  for (const [file, text] of Object.entries(files)) {
    if (text === null) continue;
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
}

/** What a simulated location observes of its telemetry objects. */
export interface Observation {
  health: ObjectReport['health'];
  message?: string;
  image: string;
  /** undefined: the Deployment's status has no readyReplicas (as Kubernetes writes it with 0 ready). */
  ready: number | undefined;
}

/** The report a location would push. */
export function stationReport(location: string, observedAt: Date, applied: { commit: string; digest?: string }, seen: Observation): LocationReport {
  const status: Record<string, unknown> = { replicas: 2, observedGeneration: 1 };
  if (seen.ready !== undefined) status['readyReplicas'] = seen.ready;
  return {
    apiVersion: 'edgeplane.io/v1alpha1',
    kind: 'LocationReport',
    metadata: { name: location },
    status: {
      observedAt: observedAt.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      reporter: { kind: 'agent', name: 'simulated' },
      applied,
      consumer: { kind: 'kubectl', sync: 'Synced', health: seen.health },
      objects: [
        { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'telemetry', name: 'station', health: 'Healthy', spec: undefined, status: undefined },
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          namespace: 'telemetry',
          name: 'ingest',
          health: seen.health,
          ...(seen.message ? { message: seen.message } : {}),
          labels: { app: 'ingest' },
          spec: { replicas: 2, template: { spec: { containers: [{ name: 'ingest', image: seen.image }] } } },
          status,
        },
      ].map((o) => JSON.parse(JSON.stringify(o)) as ObjectReport),
    },
  };
}
