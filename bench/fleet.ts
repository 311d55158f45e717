/**
 * A synthetic fleet for the benchmark and the scale test, generated deterministically from a seed: N locations
 * with region/tier/ring/zone labels and per-location params, 20 placements selecting overlapping subsets, one
 * workload of 5–10 objects per placement and one Customizer per placement that sets 2–3 fields of every object
 * from the location (its name among them), so every location's output differs.
 *
 * The same model writes a real spec repo (files + a git commit) and, for one location, the kustomize overlay a
 * user would write for the same output today (`writeKustomizeOverlay`).
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { toCanonicalYaml } from '../src/render/canonicalYaml.js';
import { impliedNamespace } from '../src/select/selectObjects.js';

const execFileAsync = promisify(execFile);

/** What to generate. */
export interface FleetOptions {
  /** Number of locations. */
  locations: number;
  /** Number of placements (each with its own workload and customizer). Default 20. */
  placements?: number;
  /** Fewest and most objects of a workload. Default [5, 10]. */
  objectsPerWorkload?: [number, number];
  /** Seed of the generator. Default 1. */
  seed?: number;
  /** Locations per inventory file. Default 1000. */
  locationsPerFile?: number;
}

/** One generated location. */
export interface FleetLocation {
  name: string;
  labels: { region: string; tier: string; ring: string; zone: string };
  params: { replicas: number; version: string; shard: number; minAvailable: number; maxReplicas: number };
}

/** One customized field of an object: a JSON pointer and the value template (Customizer syntax). */
export interface CustomField {
  /** RFC 6901 pointer; `add` creates the last key, so it is also used for new labels and annotations. */
  pointer: string;
  /** Handlebars value over the properties. */
  value: string;
  /** true: a JSON patch `add` in the Customizer; false: a replacement (`path` in JSONPath form). */
  patch: boolean;
}

/** One object of a workload and how it is customized. */
export interface FleetObject {
  file: string;
  object: Record<string, unknown>;
  fields: CustomField[];
}

/** One placement: its selectors, its workload and its customizer. */
export interface FleetPlacement {
  name: string;
  selectors: Record<string, unknown>[];
  workload: string;
  namespace: string;
  objects: FleetObject[];
  params: { image: string; logLevel: string };
}

/** The generated fleet. */
export interface Fleet {
  options: Required<FleetOptions>;
  locations: FleetLocation[];
  placements: FleetPlacement[];
}

export const REGIONS = ['eu-north', 'eu-west', 'eu-south', 'us-east', 'us-west', 'ap-south', 'ap-east', 'sa-east'];
export const TIERS = ['store', 'factory', 'tower'];
export const ZONES = ['z0', 'z1', 'z2', 'z3'];

/** mulberry32: small, fast, and the same sequence on every platform. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Generates the fleet model. Pure: the same options give the same fleet. */
export function generateFleet(options: FleetOptions): Fleet {
  const opts: Required<FleetOptions> = {
    placements: 20,
    objectsPerWorkload: [5, 10],
    seed: 1,
    locationsPerFile: 1000,
    ...options,
  };
  const rnd = random(opts.seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)]!;
  const locations: FleetLocation[] = [];
  const width = Math.max(5, String(opts.locations - 1).length);
  for (let i = 0; i < opts.locations; i++) {
    const r = rnd();
    const replicas = 1 + Math.floor(rnd() * 5);
    locations.push({
      name: `site-${String(i).padStart(width, '0')}`,
      labels: { region: pick(REGIONS), tier: pick(TIERS), ring: r < 0.05 ? 'canary' : r < 0.2 ? 'early' : 'stable', zone: pick(ZONES) },
      params: {
        replicas,
        version: `1.${Math.floor(rnd() * 4)}.${Math.floor(rnd() * 10)}`,
        shard: Math.floor(rnd() * 64),
        minAvailable: Math.max(1, replicas - 1),
        maxReplicas: replicas * 3,
      },
    });
  }
  const placements: FleetPlacement[] = [];
  for (let p = 0; p < opts.placements; p++) {
    const name = `p${String(p).padStart(2, '0')}`;
    const [min, max] = opts.objectsPerWorkload;
    const count = min + ((p * 7) % (max - min + 1));
    const namespace = `wl-${name}`;
    placements.push({
      name,
      selectors: selectorsOf(p),
      workload: `workloads/${name}`,
      namespace,
      objects: workloadObjects(name, namespace, count),
      params: { image: `registry.example.org/${name}/app`, logLevel: 'info' },
    });
  }
  return { options: opts, locations, placements };
}

/**
 * Overlapping subsets: one placement for everyone, one per region, one per tier, one per ring, and combinations.
 * A location gets about six placements.
 */
function selectorsOf(p: number): Record<string, unknown>[] {
  if (p === 0) return [{}];
  if (p <= 8) return [{ matchLabels: { region: REGIONS[(p - 1) % REGIONS.length] } }];
  if (p <= 11) return [{ matchLabels: { tier: TIERS[(p - 9) % TIERS.length] } }];
  if (p === 12) return [{ matchLabels: { ring: 'canary' } }];
  if (p === 13) return [{ matchExpressions: [{ key: 'ring', operator: 'In', values: ['canary', 'early'] }] }];
  const region = REGIONS[p % REGIONS.length]!;
  const tier = TIERS[p % TIERS.length]!;
  return [
    { matchLabels: { tier }, matchExpressions: [{ key: 'ring', operator: 'NotIn', values: ['canary'] }] },
    { matchLabels: { region, zone: ZONES[p % ZONES.length] } },
  ];
}

const SITE_LABEL: CustomField = { pointer: '/metadata/labels/site', value: '{{location.name}}', patch: true };
const REGION_ANNOTATION: CustomField = { pointer: '/metadata/annotations/example.org~1region', value: '{{location.labels.region}}', patch: true };

/** The objects of one workload, by kind, each with its 2–3 customized fields. */
function workloadObjects(placement: string, namespace: string, count: number): FleetObject[] {
  const labels = { app: placement, 'app.kubernetes.io/part-of': 'fleet' };
  const meta = (kind: string, name: string) => ({
    name,
    namespace,
    labels: { ...labels, component: kind.toLowerCase() },
    annotations: { 'example.org/owner': `team-${placement}` },
  });
  const deployment = (name: string): FleetObject => ({
    file: `deployment-${name}.yaml`,
    object: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta('Deployment', name),
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: placement, component: name } },
        template: {
          metadata: { labels: { app: placement, component: name } },
          spec: {
            containers: [
              {
                name,
                image: `registry.example.org/${placement}/${name}:latest`,
                ports: [{ containerPort: 8080, name: 'http' }],
                env: [{ name: 'LOG_LEVEL', value: 'info' }],
                resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
              },
            ],
          },
        },
      },
    },
    fields: [
      { pointer: '/spec/replicas', value: '{{location.params.replicas}}', patch: false },
      { pointer: '/spec/template/spec/containers/0/image', value: `{{image}}-${name}:{{location.params.version}}`, patch: false },
      SITE_LABEL,
    ],
  });
  const all: FleetObject[] = [
    deployment('app'),
    {
      file: 'service-app.yaml',
      object: {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: meta('Service', 'app'),
        spec: { selector: { app: placement, component: 'app' }, ports: [{ port: 80, targetPort: 'http', name: 'http' }] },
      },
      fields: [SITE_LABEL, { pointer: '/metadata/annotations/example.org~1zone', value: '{{location.labels.zone}}', patch: true }],
    },
    {
      file: 'configmap-settings.yaml',
      object: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: meta('ConfigMap', 'settings'),
        data: { site: 'unset', shard: 'unset', logLevel: 'info', endpoint: `https://api.example.org/${placement}` },
      },
      fields: [
        { pointer: '/data/site', value: '{{location.name}}', patch: false },
        { pointer: '/data/shard', value: 'shard-{{location.params.shard}}', patch: false },
        { pointer: '/data/logLevel', value: '{{logLevel}}', patch: false },
      ],
    },
    {
      file: 'serviceaccount-app.yaml',
      object: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta('ServiceAccount', 'app') },
      fields: [SITE_LABEL, REGION_ANNOTATION],
    },
    {
      file: 'poddisruptionbudget-app.yaml',
      object: {
        apiVersion: 'policy/v1',
        kind: 'PodDisruptionBudget',
        metadata: meta('PodDisruptionBudget', 'app'),
        spec: { minAvailable: 1, selector: { matchLabels: { app: placement, component: 'app' } } },
      },
      fields: [{ pointer: '/spec/minAvailable', value: '{{location.params.minAvailable}}', patch: false }, SITE_LABEL],
    },
    {
      file: 'horizontalpodautoscaler-app.yaml',
      object: {
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: meta('HorizontalPodAutoscaler', 'app'),
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'app' },
          minReplicas: 1,
          maxReplicas: 3,
          metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
        },
      },
      fields: [{ pointer: '/spec/maxReplicas', value: '{{location.params.maxReplicas}}', patch: false }, SITE_LABEL],
    },
    {
      file: 'networkpolicy-app.yaml',
      object: {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: meta('NetworkPolicy', 'app'),
        spec: {
          podSelector: { matchLabels: { app: placement } },
          policyTypes: ['Ingress'],
          ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress' } } }] }],
        },
      },
      fields: [SITE_LABEL, REGION_ANNOTATION],
    },
    {
      file: 'role-app.yaml',
      object: {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: meta('Role', 'app'),
        rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'] }],
      },
      fields: [SITE_LABEL, REGION_ANNOTATION],
    },
    {
      file: 'rolebinding-app.yaml',
      object: {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: meta('RoleBinding', 'app'),
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'app' },
        subjects: [{ kind: 'ServiceAccount', name: 'app', namespace }],
      },
      fields: [SITE_LABEL, REGION_ANNOTATION],
    },
    deployment('worker'),
  ];
  return all.slice(0, count);
}

/** A JSON pointer as the JSONPath a replacement takes. */
function jsonPathOf(pointer: string): string {
  return (
    '$' +
    pointer
      .split('/')
      .slice(1)
      .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
      .map((part) => (/^[0-9]+$/.test(part) ? `[${part}]` : /^[A-Za-z_][A-Za-z0-9_]*$/.test(part) ? `.${part}` : `['${part}']`))
      .join('')
  );
}

/** Every file of the spec repo: path → text. */
export function specFiles(fleet: Fleet): Map<string, string> {
  const files = new Map<string, string>();
  files.set(
    'edgeplane.yaml',
    yaml({ apiVersion: 'edgeplane.io/v1alpha1', kind: 'Settings', spec: { output: { repo: 'self', mode: 'branch' }, defaults: { consumer: 'argocd' } } }),
  );
  const perFile = fleet.options.locationsPerFile;
  for (let i = 0; i < fleet.locations.length; i += perFile) {
    const docs = fleet.locations.slice(i, i + perFile).map(locationYaml);
    files.set(`inventory/part-${String(i / perFile).padStart(3, '0')}.yaml`, docs.join('---\n'));
  }
  for (const placement of fleet.placements) {
    files.set(
      `placements/${placement.name}.yaml`,
      yaml({
        apiVersion: 'edgeplane.io/v1alpha1',
        kind: 'EdgePlacement',
        metadata: { name: placement.name },
        spec: { locationSelectors: placement.selectors, workloads: [{ path: placement.workload }], customizers: [placement.name] },
      }),
    );
    files.set(`customizers/${placement.name}.yaml`, yaml(customizerOf(placement)));
    for (const object of placement.objects) files.set(`${placement.workload}/${object.file}`, yaml(object.object));
  }
  return files;
}

/** Compact flow-style YAML, as people write inventories: one short block per location. */
function locationYaml(location: FleetLocation): string {
  const { region, tier, ring, zone } = location.labels;
  const { replicas, version, shard, minAvailable, maxReplicas } = location.params;
  return [
    'apiVersion: edgeplane.io/v1alpha1',
    'kind: Location',
    'metadata:',
    `  name: ${location.name}`,
    `  labels: {region: ${region}, tier: ${tier}, ring: ${ring}, zone: ${zone}}`,
    'spec:',
    `  params: {replicas: ${replicas}, version: "${version}", shard: ${shard}, minAvailable: ${minAvailable}, maxReplicas: ${maxReplicas}}`,
    '',
  ].join('\n');
}

/** Block-style YAML, as people write specs (edgeplane's own emitter: the generator needs no other). */
function yaml(value: unknown): string {
  return toCanonicalYaml(value);
}

function customizerOf(placement: FleetPlacement): Record<string, unknown> {
  const rules: Record<string, unknown>[] = placement.objects.map(({ object, fields }) => {
    const meta = object['metadata'] as { name: string };
    const replacements = fields.filter((f) => !f.patch).map((f) => ({ path: jsonPathOf(f.pointer), value: f.value }));
    const patches = fields.filter((f) => f.patch).map((f) => ({ op: 'add', path: f.pointer, value: f.value }));
    return {
      target: { kind: object['kind'], name: meta.name },
      ...(replacements.length > 0 ? { replacements } : {}),
      ...(patches.length > 0 ? { patches } : {}),
    };
  });
  // Canary sites log more: one rule that applies to a subset of locations.
  rules.push({
    locationSelector: { matchLabels: { ring: 'canary' } },
    target: { kind: 'ConfigMap', name: 'settings' },
    replacements: [{ path: '$.data.logLevel', value: 'debug' }],
  });
  return {
    apiVersion: 'edgeplane.io/v1alpha1',
    kind: 'Customizer',
    metadata: { name: placement.name },
    spec: { params: placement.params, rules },
  };
}

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Fleet Bench',
  GIT_AUTHOR_EMAIL: 'bench@example.org',
  GIT_COMMITTER_NAME: 'Fleet Bench',
  GIT_COMMITTER_EMAIL: 'bench@example.org',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z',
  GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z',
};

async function gitIn(dir: string, ...args: string[]): Promise<string> {
  const { stdout } = await execFileAsync('git', args, { cwd: dir, env: GIT_ENV, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** Writes the fleet's spec into `dir` as a new repository with one commit on `main`; returns the commit. */
export async function writeSpecRepo(dir: string, fleet: Fleet): Promise<string> {
  fs.mkdirSync(dir, { recursive: true });
  await gitIn(dir, 'init', '-q', '-b', 'main');
  return commitFiles(dir, specFiles(fleet), 'fleet spec');
}

/** Writes (or, with null, deletes) files and commits them; returns the new commit. */
export async function commitFiles(dir: string, files: ReadonlyMap<string, string | null>, message: string): Promise<string> {
  for (const [file, text] of files) {
    const target = path.join(dir, file);
    if (text === null) fs.rmSync(target, { force: true });
    else {
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, text);
    }
  }
  await gitIn(dir, 'add', '-A');
  await gitIn(dir, 'commit', '-q', '--allow-empty', '-m', message);
  return (await gitIn(dir, 'rev-parse', 'HEAD')).trim();
}

/**
 * A change that touches every `every`-th location (its `version` param): with 100, 1% of the fleet. Mutates the
 * model and commits the changed inventory files; returns the changed locations.
 */
export async function bumpVersions(dir: string, fleet: Fleet, every: number): Promise<string[]> {
  const changed: string[] = [];
  fleet.locations.forEach((location, i) => {
    if (i % every !== 0) return;
    const [major, minor, patch] = location.params.version.split('.').map(Number) as [number, number, number];
    location.params.version = `${major}.${minor}.${patch + 1}`;
    changed.push(location.name);
  });
  const files = new Map([...specFiles(fleet)].filter(([file]) => file.startsWith('inventory/')));
  await commitFiles(dir, files, `bump version at ${changed.length} location(s)`);
  return changed;
}

/** A change every location sees: the endpoint of the placement that selects every location. */
export async function changeEverywhere(dir: string, fleet: Fleet, endpoint: string): Promise<void> {
  const placement = fleet.placements[0]!;
  const settings = placement.objects.find((o) => o.file === 'configmap-settings.yaml')!;
  (settings.object['data'] as Record<string, string>)['endpoint'] = endpoint;
  await commitFiles(dir, new Map([[`${placement.workload}/${settings.file}`, yaml(settings.object)]]), 'new endpoint everywhere');
}

/** Which placements select a location (Kubernetes LabelSelector semantics, as the scheduler applies them). */
export function placementsOf(fleet: Fleet, location: FleetLocation): FleetPlacement[] {
  const labels = location.labels as Record<string, string>;
  const matches = (selector: Record<string, unknown>): boolean => {
    for (const [key, value] of Object.entries((selector['matchLabels'] as Record<string, string> | undefined) ?? {})) {
      if (labels[key] !== value) return false;
    }
    for (const req of (selector['matchExpressions'] as { key: string; operator: string; values: string[] }[] | undefined) ?? []) {
      const has = req.values.includes(labels[req.key]!);
      if ((req.operator === 'In' && !has) || (req.operator === 'NotIn' && has)) return false;
    }
    return true;
  };
  return fleet.placements.filter((p) => p.selectors.some(matches));
}

/** Substitutes the properties the generated customizers use. */
function valueAt(template: string, location: FleetLocation, placement: FleetPlacement): unknown {
  const props: Record<string, unknown> = {
    'location.name': location.name,
    'location.labels.region': location.labels.region,
    'location.labels.zone': location.labels.zone,
    'location.params.replicas': location.params.replicas,
    'location.params.version': location.params.version,
    'location.params.shard': location.params.shard,
    'location.params.minAvailable': location.params.minAvailable,
    'location.params.maxReplicas': location.params.maxReplicas,
    image: placement.params.image,
    logLevel: placement.params.logLevel,
  };
  const whole = /^\{\{([^}]+)\}\}$/.exec(template);
  if (whole) return props[whole[1]!];
  return template.replace(/\{\{([^}]+)\}\}/g, (_, name: string) => String(props[name]));
}

/**
 * Writes the kustomize overlay a user would keep for one location today: a base per placement (its workload's
 * objects and Namespace) and an overlay with one JSON 6902 patch per object setting that location's values.
 * `kubectl kustomize <returned dir>` gives the same objects edgeplane renders for the location.
 */
export function writeKustomizeOverlay(dir: string, fleet: Fleet, location: FleetLocation): string {
  const placements = placementsOf(fleet, location);
  for (const placement of placements) {
    const base = path.join(dir, 'base', placement.name);
    fs.mkdirSync(base, { recursive: true });
    // The Namespace edgeplane implies for a namespaced object: the overlay has to carry it too.
    const namespace = impliedNamespace(placement.namespace);
    fs.writeFileSync(path.join(base, 'namespace.yaml'), yaml(namespace));
    for (const object of placement.objects) fs.writeFileSync(path.join(base, object.file), yaml(object.object));
    const resources = ['namespace.yaml', ...placement.objects.map((o) => o.file)];
    fs.writeFileSync(path.join(base, 'kustomization.yaml'), yaml({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources }));
  }
  const overlay = path.join(dir, 'overlays', location.name);
  fs.mkdirSync(overlay, { recursive: true });
  const patches = placements.flatMap((placement) =>
    placement.objects.map(({ object, fields }) => {
      const meta = object['metadata'] as { name: string; namespace: string };
      const ops = fields.map((f) => {
        let value = valueAt(f.value, location, placement);
        if (f.pointer === '/data/logLevel' && location.labels.ring === 'canary') value = 'debug';
        return { op: f.patch ? 'add' : 'replace', path: f.pointer, value };
      });
      return { target: { kind: object['kind'], name: meta.name, namespace: meta.namespace }, patch: JSON.stringify(ops) };
    }),
  );
  const resources = placements.map((p) => `../../base/${p.name}`);
  fs.writeFileSync(
    path.join(overlay, 'kustomization.yaml'),
    yaml({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources, patches }),
  );
  return overlay;
}
