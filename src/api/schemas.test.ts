import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import type { Customizer } from './customizer.js';
import { CONSUMERS, type Location } from './location.js';
import type { LocationReport } from './locationReport.js';
import type { EdgePlacement } from './placement.js';
import type { StatusCollector } from './statusCollector.js';
import { SCHEMA_BASE_URL, SCHEMA_FILES, schemasDir, validateAgainstSchema, type SchemaKind } from './schemas.js';
import { resolveSettings, type Settings } from './settings.js';

const V = 'edgeplane.io/v1alpha1';

// Valid documents are typed literals: each must satisfy the TypeScript API type AND its schema, which is how the
// two are kept in step. The first of each kind is the DESIGN.md §2 example.
const valid: [string, SchemaKind, Location | EdgePlacement | Customizer | StatusCollector | Settings | LocationReport][] = [
  [
    'DESIGN.md Location',
    'Location',
    {
      apiVersion: V,
      kind: 'Location',
      metadata: { name: 'kiruna', labels: { region: 'eu-north', tier: 'groundstation', ring: 'canary' } },
      spec: { consumer: 'argocd', params: { antenna: 'K-1', replicas: 2 }, cluster: { server: 'https://10.0.0.5:6443' } },
    } satisfies Location,
  ],
  ['Location with metadata only', 'Location', { apiVersion: V, kind: 'Location', metadata: { name: 'a' } } satisfies Location],
  [
    'Location with prefixed label key, empty label value, annotations and nested params',
    'Location',
    {
      apiVersion: V,
      kind: 'Location',
      metadata: {
        name: 'station-63-chars-long-name-abcdefghijklmnopqrstuvwxyz-0123456789'.slice(0, 63),
        labels: { 'topology.kubernetes.io/zone': 'eu-north-1a', 'edgeplane.io/empty': '', 'A_b.c': 'X.y_z' },
        annotations: { 'edgeplane.io/expand-parameters': 'true', note: 'any text: even spaces, slashes / and :' },
      },
      spec: { params: { list: [1, 'two', null, { three: true }], map: { a: { b: 1.5 } } } },
    } satisfies Location,
  ],
  [
    'DESIGN.md EdgePlacement (without rollout, statusCollectors, wantSingletonReportedState)',
    'EdgePlacement',
    {
      apiVersion: V,
      kind: 'EdgePlacement',
      metadata: { name: 'telemetry' },
      spec: {
        locationSelectors: [{ matchLabels: { tier: 'groundstation' } }],
        workloads: [{ path: 'workloads/telemetry', objects: [{ kinds: ['Deployment', 'ConfigMap', 'Namespace'] }] }],
        customizers: ['telemetry'],
        deletionPolicy: 'Delete',
        createOnly: false,
      },
    } satisfies EdgePlacement,
  ],
  [
    'EdgePlacement with every selector operator and object filter field',
    'EdgePlacement',
    {
      apiVersion: V,
      kind: 'EdgePlacement',
      metadata: { name: 'all' },
      spec: {
        locationSelectors: [
          {},
          {
            matchLabels: { region: 'eu-north' },
            matchExpressions: [
              { key: 'ring', operator: 'In', values: ['canary', 'beta'] },
              { key: 'tier', operator: 'NotIn', values: ['lab'] },
              { key: 'gpu', operator: 'Exists' },
              { key: 'retired', operator: 'DoesNotExist', values: [] },
            ],
          },
        ],
        workloads: [
          {
            path: 'workloads/base',
            objects: [
              { apiGroup: '', kinds: ['ConfigMap'], namespaces: ['ops'], names: ['cfg'] },
              { apiGroup: 'apps', labelSelectors: [{ matchLabels: { app: 'x' } }] },
            ],
          },
        ],
        deletionPolicy: 'Orphan',
        createOnly: true,
      },
    } satisfies EdgePlacement,
  ],
  [
    'DESIGN.md Customizer',
    'Customizer',
    {
      apiVersion: V,
      kind: 'Customizer',
      metadata: { name: 'telemetry' },
      spec: {
        params: { logLevel: 'info' },
        rules: [
          {
            locationSelector: { matchLabels: { region: 'eu-north' } },
            target: { kind: 'Deployment', name: 'telemetry' },
            replacements: [{ path: '$.spec.replicas', value: '{{location.params.replicas}}' }],
            patches: [{ op: 'add', path: '/metadata/labels/station', value: '{{location.name}}' }],
          },
        ],
      },
    } satisfies Customizer,
  ],
  [
    'Customizer with every patch form',
    'Customizer',
    {
      apiVersion: V,
      kind: 'Customizer',
      metadata: { name: 'patches' },
      spec: {
        rules: [
          {
            target: { apiGroup: 'apps', namespace: 'ops', labelSelector: { matchExpressions: [{ key: 'a', operator: 'Exists' }] } },
            patches: [
              { op: 'add', path: '/a', value: null },
              { op: 'replace', path: '', value: { whole: 'document' } },
              { op: 'test', path: '/a', value: [1] },
              { op: 'remove', path: '/a' },
              { op: 'move', from: '/a', path: '/b' },
              { op: 'copy', from: '/a', path: '/c' },
              { merge: { metadata: { labels: { station: '{{location.name}}' } } } },
              { merge: {} },
            ],
          },
          {},
        ],
      },
    } satisfies Customizer,
  ],
  ['Customizer with an empty spec', 'Customizer', { apiVersion: V, kind: 'Customizer', metadata: { name: 'c' }, spec: {} } satisfies Customizer],
  [
    'Settings with every field',
    'Settings',
    {
      apiVersion: V,
      kind: 'Settings',
      spec: {
        output: { repo: 'https://git.example.com/fleet/deploy.git', mode: 'folder', branchPrefix: 'fleet/', folderBranch: 'fleet' },
        paths: { inventory: 'sites', placements: 'placements', customizers: 'customizers', collectors: 'collectors' },
        defaults: { consumer: 'argocd' },
        status: { staleAfter: '1h30m', branch: 'fleet-status', reportBranchPrefix: 'fleet-reports/' },
      },
    } satisfies Settings,
  ],
  [
    'EdgePlacement with status collectors and singleton reported state',
    'EdgePlacement',
    {
      apiVersion: V,
      kind: 'EdgePlacement',
      metadata: { name: 'control' },
      spec: { workloads: [{ path: 'w' }], statusCollectors: ['ready-replicas'], wantSingletonReportedState: true },
    } satisfies EdgePlacement,
  ],
  [
    'EdgePlacement with every rollout field',
    'EdgePlacement',
    {
      apiVersion: V,
      kind: 'EdgePlacement',
      metadata: { name: 'telemetry' },
      spec: {
        workloads: [{ path: 'w' }],
        rollout: {
          waves: [{ name: 'canary', locationSelector: { matchLabels: { ring: 'canary' } } }, { name: 'half', percent: 50 }, { name: 'rest' }],
          maxUnavailable: '25%',
          advanceWhen: 'wave.healthy == wave.total',
          soak: '10m',
          progressDeadline: '1h30m',
          maxFailures: 1,
          onFailure: 'rollback',
          window: { schedule: '0 1 * * *', duration: '4h', timeZone: 'Europe/Stockholm' },
          constraints: [{ name: 'one-per-region', expr: 'a.labels.region != b.labels.region' }],
          review: 'pullRequest',
        },
      },
    } satisfies EdgePlacement,
  ],
  [
    'Settings with a forge',
    'Settings',
    {
      apiVersion: V,
      kind: 'Settings',
      spec: { forge: { type: 'gitea', url: 'https://git.example.com', owner: 'fleet', repo: 'deploy', tokenEnv: 'FLEET_TOKEN' } },
    } satisfies Settings,
  ],
  [
    'DESIGN.md StatusCollector',
    'StatusCollector',
    {
      apiVersion: V,
      kind: 'StatusCollector',
      metadata: { name: 'ready-replicas' },
      spec: {
        objects: { kinds: ['Deployment'] },
        filter: 'obj.status.readyReplicas < obj.spec.replicas',
        groupBy: [{ name: 'region', expr: 'location.labels.region' }],
        combinedFields: [
          { name: 'ready', type: 'SUM', expr: 'obj.status.readyReplicas' },
          { name: 'locations', type: 'COUNT' },
        ],
        limit: 20,
      },
    } satisfies StatusCollector,
  ],
  [
    'StatusCollector with select',
    'StatusCollector',
    { apiVersion: V, kind: 'StatusCollector', metadata: { name: 's' }, spec: { select: [{ name: 'image', expr: 'obj.spec.template.spec.containers[0].image' }] } } satisfies StatusCollector,
  ],
  [
    'LocationReport with every field',
    'LocationReport',
    {
      apiVersion: V,
      kind: 'LocationReport',
      metadata: { name: 'kiruna' },
      status: {
        observedAt: '2026-01-01T00:00:00Z',
        reporter: { kind: 'agent', name: 'edgeplane-agent/0.1.0' },
        applied: { commit: 'a'.repeat(40), digest: `sha1:${'b'.repeat(40)}`, sourceCommit: 'c'.repeat(40) },
        consumer: {
          kind: 'argocd',
          sync: 'Synced',
          health: 'Degraded',
          message: 'one or more objects failed',
          revision: 'a'.repeat(40),
          operation: { phase: 'Succeeded', message: 'successfully synced', startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:00:01Z' },
        },
        objects: [
          {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            namespace: 'telemetry',
            name: 'ingest',
            health: 'Degraded',
            message: 'Deployment "ingest" exceeded its progress deadline',
            sync: 'Synced',
            labels: { app: 'ingest' },
            spec: { replicas: 2 },
            status: { readyReplicas: 1 },
            truncated: false,
          },
        ],
        omittedObjects: 0,
      },
    } satisfies LocationReport,
  ],
  ['Settings without spec', 'Settings', { apiVersion: V, kind: 'Settings' } satisfies Settings],
];

const location = (rest: string) => `apiVersion: ${V}\nkind: Location\n${rest}`;
const placement = (spec: string) => `apiVersion: ${V}\nkind: EdgePlacement\nmetadata: {name: p}\nspec:\n${spec}`;
const customizer = (spec: string) => `apiVersion: ${V}\nkind: Customizer\nmetadata: {name: c}\nspec:\n${spec}`;
const named = (name: string) => location(`metadata: {name: "${name}"}`);
const labelled = (labels: string) => location(`metadata: {name: a, labels: ${labels}}`);
const expression = (e: string) => placement(`  workloads: [{path: w}]\n  locationSelectors: [{matchExpressions: [${e}]}]`);
const patch = (p: string) => customizer(`  rules: [{patches: [${p}]}]`);
const collector = (spec: string) => `apiVersion: ${V}\nkind: StatusCollector\nmetadata: {name: c}\nspec:\n${spec}`;
const report = (status: string) => `apiVersion: ${V}\nkind: LocationReport\nmetadata: {name: kiruna}\nstatus:\n${status}`;

const EXPR = ['spec', 'locationSelectors', 0, 'matchExpressions', 0];
const PATCH = ['spec', 'rules', 0, 'patches', 0];
const NAME_MSG =
  "must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters";
const KEY_MSG =
  "must be a Kubernetes label key: an optional DNS subdomain prefix and '/', then a name of at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit";
const VALUE_MSG =
  "must be a Kubernetes label value: at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit";
const PATCH_MSG = "must be a JSON patch operation (with 'op' and 'path') or a merge patch (with 'merge')";
const OPERATORS_MSG = 'must be one of In, NotIn, Exists, DoesNotExist';

type Expected = [(string | number)[], string];

// Invalid documents, as a user would type them, and exactly the issues they must produce (sorted).
const invalid: [string, SchemaKind, string, Expected[]][] = [
  ['unknown top-level field', 'Location', location('metadata: {name: a}\nstatus: {}'), [[['status'], "unknown field 'status'"]]],
  ['unknown metadata field', 'Location', location('metadata: {name: a, namespace: x}'), [[['metadata', 'namespace'], "unknown field 'namespace'"]]],
  ['wrong apiVersion', 'Location', 'apiVersion: v1\nkind: Location\nmetadata: {name: a}', [[['apiVersion'], "must be 'edgeplane.io/v1alpha1'"]]],
  ['wrong kind', 'Location', `apiVersion: ${V}\nkind: Locaton\nmetadata: {name: a}`, [[['kind'], "must be 'Location'"]]],
  ['not a mapping', 'Location', 'just text', [[[], 'must be a map of fields']]],
  ['empty document', 'Location', '{}', [[[], "missing required fields 'apiVersion', 'kind', 'metadata'"]]],
  ['missing name', 'Location', location('metadata: {labels: {a: b}}'), [[['metadata'], "missing required field 'name'"]]],
  ['name ../x', 'Location', named('../x'), [[['metadata', 'name'], NAME_MSG]]],
  ['name a/b', 'Location', named('a/b'), [[['metadata', 'name'], NAME_MSG]]],
  ['name -x', 'Location', named('-x'), [[['metadata', 'name'], NAME_MSG]]],
  ['name with upper case', 'Location', named('Kiruna'), [[['metadata', 'name'], NAME_MSG]]],
  ['empty name', 'Location', named(''), [[['metadata', 'name'], NAME_MSG]]],
  ['name of 64 characters', 'Location', named('a'.repeat(64)), [[['metadata', 'name'], 'must be at most 63 characters']]],
  ['label value that is a number', 'Location', labelled('{ring: 1}'), [[['metadata', 'labels', 'ring'], 'must be a string']]],
  ['label key with a space', 'Location', labelled('{"bad key": x}'), [[['metadata', 'labels', 'bad key'], `key 'bad key' ${KEY_MSG}`]]],
  ['label key with two slashes', 'Location', labelled('{"a/b/c": x}'), [[['metadata', 'labels', 'a/b/c'], `key 'a/b/c' ${KEY_MSG}`]]],
  ['label key starting with -', 'Location', labelled('{-region: x}'), [[['metadata', 'labels', '-region'], `key '-region' ${KEY_MSG}`]]],
  [
    'label key name part of 64 characters',
    'Location',
    labelled(`{example.com/${'k'.repeat(64)}: x}`),
    [[['metadata', 'labels', `example.com/${'k'.repeat(64)}`], `key 'example.com/${'k'.repeat(64)}' ${KEY_MSG}`]],
  ],
  [
    'label key prefix of 254 characters',
    'Location',
    labelled(`{${'p'.repeat(254)}/k: x}`),
    [[['metadata', 'labels', `${'p'.repeat(254)}/k`], `key '${'p'.repeat(254)}/k' ${KEY_MSG}`]],
  ],
  ['label value starting with -', 'Location', labelled('{ring: -x}'), [[['metadata', 'labels', 'ring'], VALUE_MSG]]],
  ['label value of 64 characters', 'Location', labelled(`{ring: ${'v'.repeat(64)}}`), [[['metadata', 'labels', 'ring'], 'must be at most 63 characters']]],
  ['bad label key and value', 'Location', labelled('{"a b": "c d"}'), [[['metadata', 'labels', 'a b'], `key 'a b' ${KEY_MSG}; value ${VALUE_MSG}`]]],
  ['annotation value not a string', 'Location', location('metadata: {name: a, annotations: {n: 2}}'), [[['metadata', 'annotations', 'n'], 'must be a string']]],
  ['bad consumer', 'Location', location('metadata: {name: a}\nspec: {consumer: helm}'), [[['spec', 'consumer'], 'must be one of argocd, flux, kubectl']]],
  [
    'credentials in cluster',
    'Location',
    location('metadata: {name: a}\nspec: {cluster: {server: "https://10.0.0.5:6443", token: abc, clientKeyData: x}}'),
    [
      [['spec', 'cluster', 'clientKeyData'], "unknown field 'clientKeyData'"],
      [['spec', 'cluster', 'token'], "unknown field 'token'"],
    ],
  ],
  ['kubeconfig in spec', 'Location', location('metadata: {name: a}\nspec: {kubeconfig: x}'), [[['spec', 'kubeconfig'], "unknown field 'kubeconfig'"]]],
  ['cluster without server', 'Location', location('metadata: {name: a}\nspec: {cluster: {}}'), [[['spec', 'cluster'], "missing required field 'server'"]]],
  ['cluster server not a URL', 'Location', location('metadata: {name: a}\nspec: {cluster: {server: "10.0.0.5:6443"}}'), [[['spec', 'cluster', 'server'], 'must be an http(s) URL']]],
  ['missing workloads', 'EdgePlacement', placement('  locationSelectors: [{}]'), [[['spec'], "missing required field 'workloads'"]]],
  ['empty workloads', 'EdgePlacement', placement('  workloads: []'), [[['spec', 'workloads'], 'must not be empty']]],
  ['workload without path', 'EdgePlacement', placement('  workloads: [{objects: []}]'), [[['spec', 'workloads', 0], "missing required field 'path'"]]],
  ['missing spec', 'EdgePlacement', `apiVersion: ${V}\nkind: EdgePlacement\nmetadata: {name: p}`, [[[], "missing required field 'spec'"]]],
  ['spec is a list', 'EdgePlacement', placement('  - workloads'), [[['spec'], 'must be a map of fields']]],
  ['rollout wave name with a slash', 'EdgePlacement', placement('  workloads: [{path: w}]\n  rollout: {waves: [{name: a/b}]}'), [[['spec', 'rollout', 'waves', 0, 'name'], NAME_MSG]]],
  ['status collector name with a slash', 'EdgePlacement', placement('  workloads: [{path: w}]\n  statusCollectors: [a/b]'), [[['spec', 'statusCollectors', 0], NAME_MSG]]],
  ['wantSingletonReportedState not a boolean', 'EdgePlacement', placement('  workloads: [{path: w}]\n  wantSingletonReportedState: 1'), [[['spec', 'wantSingletonReportedState'], 'must be true or false']]],
  ['SUM without expr', 'StatusCollector', collector('  combinedFields: [{name: n, type: SUM}]'), [[['spec', 'combinedFields', 0], "SUM, AVG, MIN and MAX need an 'expr' giving the number to aggregate"]]],
  ['unknown aggregation', 'StatusCollector', collector('  combinedFields: [{name: n, type: MEAN, expr: x}]'), [[['spec', 'combinedFields', 0, 'type'], 'must be one of COUNT, SUM, AVG, MIN, MAX']]],
  ['KubeStellar def instead of expr', 'StatusCollector', collector('  select: [{name: n, def: x}]'), [[['spec', 'select', 0], "missing required field 'expr'"], [['spec', 'select', 0, 'def'], "unknown field 'def'"]]],
  ['bad column name', 'StatusCollector', collector('  select: [{name: "ready replicas", expr: x}]'), [[['spec', 'select', 0, 'name'], "must be a column name: a letter, then letters, digits, '_' or '-'"]]],
  ['limit 0', 'StatusCollector', collector('  limit: 0'), [[['spec', 'limit'], 'must be >= 1']]],
  ['empty filter', 'StatusCollector', collector('  filter: ""'), [[['spec', 'filter'], 'must not be empty']]],
  ['report without observedAt', 'LocationReport', report('  reporter: {kind: agent}'), [[['status'], "missing required field 'observedAt'"]]],
  ['report with a bad time', 'LocationReport', report('  observedAt: yesterday\n  reporter: {kind: agent}'), [[['status', 'observedAt'], 'must be an RFC 3339 time such as 2026-01-01T00:00:00Z']]],
  ['report with an unknown health', 'LocationReport', report('  observedAt: "2026-01-01T00:00:00Z"\n  reporter: {kind: agent}\n  objects: [{apiVersion: v1, kind: ConfigMap, name: c, health: Fine}]'), [[['status', 'objects', 0, 'health'], 'must be one of Healthy, Progressing, Degraded, Suspended, Missing, Unknown']]],
  ['report with a short commit', 'LocationReport', report('  observedAt: "2026-01-01T00:00:00Z"\n  reporter: {kind: flux}\n  applied: {commit: abc123}'), [[['status', 'applied', 'commit'], 'must be a 40-digit lowercase hex commit id']]],
  ['bad operator', 'EdgePlacement', expression('{key: ring, operator: in, values: [a]}'), [[[...EXPR, 'operator'], OPERATORS_MSG]]],
  ['In without values', 'EdgePlacement', expression('{key: ring, operator: In}'), [[EXPR, "operators In and NotIn need a non-empty 'values' list"]]],
  ['NotIn with empty values', 'EdgePlacement', expression('{key: ring, operator: NotIn, values: []}'), [[[...EXPR, 'values'], "operators In and NotIn need a non-empty 'values' list"]]],
  ['Exists with values', 'EdgePlacement', expression('{key: ring, operator: Exists, values: [a]}'), [[[...EXPR, 'values'], "operators Exists and DoesNotExist take no 'values'"]]],
  ['requirement without operator', 'EdgePlacement', expression('{key: ring}'), [[EXPR, "missing required field 'operator'"]]],
  ['requirement with a bad key', 'EdgePlacement', expression('{key: "a b", operator: Exists}'), [[[...EXPR, 'key'], KEY_MSG]]],
  ['selector field typo', 'EdgePlacement', placement('  workloads: [{path: w}]\n  locationSelectors: [{matchLabel: {a: b}}]'), [[['spec', 'locationSelectors', 0, 'matchLabel'], "unknown field 'matchLabel'"]]],
  ['locationSelectors not a list', 'EdgePlacement', placement('  workloads: [{path: w}]\n  locationSelectors: {matchLabels: {a: b}}'), [[['spec', 'locationSelectors'], 'must be a list']]],
  ['bad deletionPolicy', 'EdgePlacement', placement('  workloads: [{path: w}]\n  deletionPolicy: delete'), [[['spec', 'deletionPolicy'], 'must be one of Delete, Orphan']]],
  ['createOnly not a boolean', 'EdgePlacement', placement('  workloads: [{path: w}]\n  createOnly: "yes"'), [[['spec', 'createOnly'], 'must be true or false']]],
  ['rollout without waves', 'EdgePlacement', placement('  workloads: [{path: w}]\n  rollout: {soak: 1m}'), [[['spec', 'rollout'], "missing required field 'waves'"]]],
  ['rollout percent above 100', 'EdgePlacement', placement('  workloads: [{path: w}]\n  rollout: {waves: [{name: a, percent: 150}]}'), [[['spec', 'rollout', 'waves', 0, 'percent'], 'must be <= 100']]],
  ['rollout field typo', 'EdgePlacement', placement('  workloads: [{path: w}]\n  rollout: {waves: [{name: a}], onfailure: pause}'), [[['spec', 'rollout', 'onfailure'], "unknown field 'onfailure'"]]],
  ['rollout bad onFailure', 'EdgePlacement', placement('  workloads: [{path: w}]\n  rollout: {waves: [{name: a}], onFailure: stop}'), [[['spec', 'rollout', 'onFailure'], 'must be one of pause, rollback']]],
  ['rollout bad soak', 'EdgePlacement', placement('  workloads: [{path: w}]\n  rollout: {waves: [{name: a}], soak: 10min}'), [[['spec', 'rollout', 'soak'], 'must be a duration such as 30s, 10m, 1h30m or 2d']]],
  ['forge of an unknown type', 'Settings', `apiVersion: ${V}\nkind: Settings\nspec:\n  forge: {type: gitlab, owner: o, repo: r}`, [[['spec', 'forge', 'type'], 'must be one of gitea, github']]],
  ['customizer name with a slash', 'EdgePlacement', placement('  workloads: [{path: w}]\n  customizers: [a/b]'), [[['spec', 'customizers', 0], NAME_MSG]]],
  ['unknown object filter field', 'EdgePlacement', placement('  workloads: [{path: w, objects: [{kind: Deployment}]}]'), [[['spec', 'workloads', 0, 'objects', 0, 'kind'], "unknown field 'kind'"]]],
  ['add without value', 'Customizer', patch('{op: add, path: /a}'), [[PATCH, "missing required field 'value'"]]],
  ['move without from', 'Customizer', patch('{op: move, path: /a}'), [[PATCH, "missing required field 'from'"]]],
  ['patch without op', 'Customizer', patch('{path: /a, value: 1}'), [[PATCH, "missing required field 'op'"]]],
  ['unknown patch op', 'Customizer', patch('{op: append, path: /a, value: 1}'), [[[...PATCH, 'op'], 'must be one of add, remove, replace, move, copy, test']]],
  ['unknown field in a JSON patch', 'Customizer', patch('{op: add, path: /a, value: 1, values: 2}'), [[[...PATCH, 'values'], "unknown field 'values'"]]],
  ['merge that is not a map', 'Customizer', patch('{merge: [1]}'), [[[...PATCH, 'merge'], 'must be a map of fields']]],
  ['empty patch', 'Customizer', patch('{}'), [[PATCH, PATCH_MSG]]],
  ['patch that is a string', 'Customizer', patch('"add /a"'), [[PATCH, PATCH_MSG]]],
  ['patch of unknown shape', 'Customizer', patch('{set: {a: 1}}'), [[PATCH, PATCH_MSG]]],
  ['replacement without value', 'Customizer', customizer('  rules: [{replacements: [{path: $.spec.replicas}]}]'), [[['spec', 'rules', 0, 'replacements', 0], "missing required field 'value'"]]],
  ['unknown target field', 'Customizer', customizer('  rules: [{target: {kinds: [Deployment]}}]'), [[['spec', 'rules', 0, 'target', 'kinds'], "unknown field 'kinds'"]]],
  ['params not a map', 'Customizer', customizer('  params: [a, b]'), [[['spec', 'params'], 'must be a map of fields']]],
  ['settings with bad mode', 'Settings', `apiVersion: ${V}\nkind: Settings\nspec: {output: {mode: folders}}`, [[['spec', 'output', 'mode'], 'must be one of branch, folder']]],
  ['settings path typo', 'Settings', `apiVersion: ${V}\nkind: Settings\nspec: {paths: {inventroy: sites}}`, [[['spec', 'paths', 'inventroy'], "unknown field 'inventroy'"]]],
  ['settings with metadata', 'Settings', `apiVersion: ${V}\nkind: Settings\nmetadata: {name: x}`, [[['metadata'], "unknown field 'metadata'"]]],
  ['settings default consumer', 'Settings', `apiVersion: ${V}\nkind: Settings\nspec: {defaults: {consumer: Flux}}`, [[['spec', 'defaults', 'consumer'], 'must be one of argocd, flux, kubectl']]],
];

describe('validateAgainstSchema', () => {
  for (const [name, kind, value] of valid) {
    it(`accepts ${name}`, () => {
      assert.deepEqual(validateAgainstSchema(kind, value), []);
    });
  }

  for (const [name, kind, yaml, expected] of invalid) {
    it(`rejects ${name}`, () => {
      const issues = validateAgainstSchema(kind, parse(yaml));
      assert.deepEqual(
        issues.map((i) => [i.path, i.message]),
        expected,
      );
      for (const issue of issues) assert.ok(issue.hint.length > 0, `no hint for ${issue.message}`);
    });
  }

  it('hints name the fix', () => {
    const hintOf = (kind: SchemaKind, yaml: string) => validateAgainstSchema(kind, parse(yaml)).map((i) => i.hint);
    assert.deepEqual(hintOf('Settings', `apiVersion: ${V}\nkind: Settings\nspec: {paths: {inventroy: sites}}`), [
      "did you mean 'inventory'? allowed fields here: inventory, placements, customizers, collectors",
    ]);
    assert.deepEqual(hintOf('Location', location('metadata: {name: a}\nspec: {cluster: {server: "https://x", token: t}}')), [
      'remove it; allowed fields here: server',
    ]);
    assert.deepEqual(hintOf('EdgePlacement', expression('{key: ring, operator: notin, values: [a]}')), ["did you mean 'NotIn'?"]);
    assert.deepEqual(hintOf('Location', labelled('{ring: 1}')), ['quote it: "1"']);
    assert.deepEqual(hintOf('EdgePlacement', placement('  locationSelectors: [{}]')), [
      "add 'workloads': The workloads every selected location runs.",
    ]);
  });

  it('reports every problem of a document at once, sorted by path, the same way every time', () => {
    const yaml = `
apiVersion: ${V}
kind: EdgePlacement
metadata: {name: Bad_Name, labels: {ring: 2}, extra: 1}
spec:
  zeta: 1
  workloads: [{path: 7}, {}]
  locationSelectors: [{matchExpressions: [{key: a, operator: In}, {key: b, operator: Maybe}]}]
  alpha: 2`;
    const first = validateAgainstSchema('EdgePlacement', parse(yaml));
    assert.deepEqual(
      first.map((i) => [i.path, i.message]),
      [
        [['metadata', 'extra'], "unknown field 'extra'"],
        [['metadata', 'labels', 'ring'], 'must be a string'],
        [['metadata', 'name'], NAME_MSG],
        [['spec', 'alpha'], "unknown field 'alpha'"],
        [['spec', 'locationSelectors', 0, 'matchExpressions', 0], "operators In and NotIn need a non-empty 'values' list"],
        [['spec', 'locationSelectors', 0, 'matchExpressions', 1, 'operator'], OPERATORS_MSG],
        [['spec', 'workloads', 0, 'path'], 'must be a string'],
        [['spec', 'workloads', 1], "missing required field 'path'"],
        [['spec', 'zeta'], "unknown field 'zeta'"],
      ],
    );
    assert.deepEqual(validateAgainstSchema('EdgePlacement', parse(yaml)), first);
  });
});

describe('schema files', () => {
  const schemas = Object.fromEntries(
    (Object.keys(SCHEMA_FILES) as SchemaKind[]).map((kind) => [
      kind,
      JSON.parse(readFileSync(join(schemasDir(), SCHEMA_FILES[kind]), 'utf8')) as Record<string, unknown>,
    ]),
  ) as Record<SchemaKind, Record<string, unknown>>;

  it('are 2020-12 schemas with their published $id and the kind as a constant', () => {
    for (const kind of Object.keys(schemas) as SchemaKind[]) {
      const schema = schemas[kind];
      assert.equal(schema['$schema'], 'https://json-schema.org/draft/2020-12/schema');
      assert.equal(schema['$id'], SCHEMA_BASE_URL + SCHEMA_FILES[kind]);
      const properties = schema['properties'] as Record<string, Record<string, unknown>>;
      assert.equal(properties['kind']?.['const'], kind);
      assert.equal(properties['apiVersion']?.['const'], V);
    }
  });

  it('describe every property and close every object that lists its properties', () => {
    for (const [kind, schema] of Object.entries(schemas)) {
      walk(schema, '#', (node, at) => {
        const properties = node['properties'];
        if (!isObject(properties) || node['type'] !== 'object') return;
        assert.equal(node['additionalProperties'], false, `${kind} ${at} is open`);
        for (const [field, sub] of Object.entries(properties)) {
          assert.ok(isObject(sub) && typeof sub['description'] === 'string', `${kind} ${at}/properties/${field} has no description`);
        }
      });
    }
  });

  it('share identical copies of common definitions (each file stands alone for editors)', () => {
    const seen = new Map<string, [string, unknown]>();
    for (const [kind, schema] of Object.entries(schemas)) {
      for (const [name, def] of Object.entries((schema['$defs'] ?? {}) as Record<string, unknown>)) {
        const first = seen.get(name);
        if (first) assert.deepEqual(def, first[1], `$defs/${name} differs between ${first[0]} and ${kind}`);
        else seen.set(name, [kind, def]);
      }
    }
  });

  it('list the same consumers as the API types', () => {
    for (const kind of ['Location', 'Settings'] as const) {
      const defs = schemas[kind]['$defs'] as Record<string, Record<string, unknown>>;
      assert.deepEqual(defs['consumer']?.['enum'], [...CONSUMERS]);
    }
  });

  it('document the defaults that resolveSettings applies', () => {
    const spec = (schemas.Settings['properties'] as Record<string, Schema>)['spec']!;
    const group = (name: string) =>
      ((spec['properties'] as Record<string, Schema>)[name]!['properties'] ?? {}) as Record<string, Schema>;
    const resolved = resolveSettings(undefined);
    assert.deepEqual(
      {
        outputRepo: group('output')['repo']?.['default'],
        mode: group('output')['mode']?.['default'],
        branchPrefix: group('output')['branchPrefix']?.['default'],
        folderBranch: group('output')['folderBranch']?.['default'],
        inventoryPath: group('paths')['inventory']?.['default'],
        placementsPath: group('paths')['placements']?.['default'],
        customizersPath: group('paths')['customizers']?.['default'],
        collectorsPath: group('paths')['collectors']?.['default'],
        defaultConsumer: group('defaults')['consumer']?.['default'],
        staleAfter: group('status')['staleAfter']?.['default'],
        statusBranch: group('status')['branch']?.['default'],
        reportBranchPrefix: group('status')['reportBranchPrefix']?.['default'],
      },
      { ...resolved },
    );
  });

  it('compile under ajv strict mode on their own', () => {
    for (const schema of Object.values(schemas)) {
      const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, strictRequired: false });
      ajv.addVocabulary(['errorMessage', 'patternErrorMessage']);
      assert.equal(typeof ajv.compile(schema), 'function');
    }
  });
});

function walk(node: unknown, at: string, visit: (node: Record<string, unknown>, at: string) => void): void {
  if (Array.isArray(node)) node.forEach((child, i) => walk(child, `${at}/${i}`, visit));
  if (!isObject(node)) return;
  visit(node, at);
  for (const [key, child] of Object.entries(node)) {
    if (key !== 'examples' && key !== 'default') walk(child, `${at}/${key}`, visit);
  }
}

type Schema = Record<string, unknown>;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
