import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { loadServeSettings } from '../../src/serve/config.js';
import { ROOT, tempDir } from '../support/specRepo.js';
import { helmPath } from '../support/tools.js';

const execFileAsync = promisify(execFile);
const CHART = path.join(ROOT, 'charts', 'edgeplane');

type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; [key: string]: any };

async function helm(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(helmPath(), args, { maxBuffer: 64 * 1024 * 1024, env: { ...process.env, HELM_CACHE_HOME: tempDir(), HELM_CONFIG_HOME: tempDir(), HELM_DATA_HOME: tempDir() } });
    return { code: 0, out: stdout, err: stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, out: e.stdout ?? '', err: e.stderr ?? '' };
  }
}

async function render(...args: string[]): Promise<K8sObject[]> {
  const result = await helm('template', 'fleet', CHART, '--namespace', 'edgeplane', ...args);
  assert.equal(result.code, 0, result.err);
  return parseAllDocuments(result.out)
    .map((d) => d.toJSON() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
}

function only(objects: readonly K8sObject[], kind: string, name?: string): K8sObject {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  assert.equal(found.length, 1, `${kind} ${name ?? ''}: ${found.length} found`);
  return found[0]!;
}

const ci = (file: string) => ['-f', path.join(CHART, 'ci', file)];

/** Every RBAC rule of the rendered objects. */
function rules(objects: readonly K8sObject[]): { kind: string; namespace?: string | undefined; rule: { apiGroups: string[]; resources: string[]; verbs: string[] } }[] {
  return objects.filter((o) => o.kind === 'Role' || o.kind === 'ClusterRole').flatMap((o) => (o['rules'] as any[]).map((rule) => ({ kind: o.kind, namespace: o.metadata.namespace, rule })));
}

describe('serve: the Helm chart (real helm v4)', function () {
  this.timeout(60_000);

  it('passes helm lint --strict with its default values and every ci/ values file', async () => {
    for (const args of [[], ci('service-values.yaml'), ci('sharded-values.yaml'), ci('agent-values.yaml')]) {
      const result = await helm('lint', CHART, '--strict', ...args);
      assert.equal(result.code, 0, `${args.join(' ')}: ${result.out}${result.err}`);
      assert.match(result.out, /1 chart\(s\) linted, 0 chart\(s\) failed/);
    }
  });

  it('refuses values that would deploy something broken or hold a credential', async () => {
    const cases: [string[], RegExp][] = [
      [[], /spec\.repo is required/],
      [['--set', 'spec.repo=https://git.example.org/s.git', '--set', 'replicaCount=2'], /replicaCount > 1 needs sharding\.enabled=true/],
      [['--set', 'spec.repo=https://git.example.org/s.git', '--set', 'git.token=hunter2'], /git/],
      [['--set', 'spec.repo=https://git.example.org/s.git', '--set', 'mode=other'], /mode/],
      [['--set', 'mode=agent'], /agent\.location is required/],
      [['--set', 'spec.repo=https://git.example.org/s.git', '--set', 'sharding.leaseDuration=soon'], /leaseDuration/],
    ];
    for (const [args, message] of cases) {
      const result = await helm('template', 'fleet', CHART, ...args);
      assert.notEqual(result.code, 0, args.join(' '));
      assert.match(result.err, message, args.join(' '));
    }
  });

  it('service mode: a Deployment serving on 8080 with probes, credentials only as mounted Secrets, and no API access', async () => {
    const objects = await render(...ci('service-values.yaml'));
    assert.deepEqual(objects.map((o) => o.kind).sort(), ['ConfigMap', 'Deployment', 'Service', 'ServiceAccount']);
    const deployment = only(objects, 'Deployment');
    const pod = deployment['spec'].template.spec;
    const container = pod.containers[0];
    assert.deepEqual(container.args, ['serve', '--config', '/etc/edgeplane/config/config.yaml']);
    assert.equal(container.livenessProbe.httpGet.path, '/healthz');
    assert.equal(container.readinessProbe.httpGet.path, '/readyz');
    assert.equal(container.ports[0].containerPort, 8080);
    assert.equal(container.securityContext.readOnlyRootFilesystem, true);
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.ok(container.env.every((e: { value?: string }) => e.value === undefined || !/token|secret/i.test(e.value)), 'no credential in env values');
    const secrets = pod.volumes.filter((v: { secret?: unknown }) => v.secret).map((v: { secret: { secretName: string } }) => v.secret.secretName);
    assert.deepEqual(secrets.sort(), ['edgeplane-git', 'edgeplane-webhook']);
    assert.equal(only(objects, 'ServiceAccount')['automountServiceAccountToken'], false, 'without sharding or Argo CD it needs no API token');
    assert.equal(only(objects, 'Service')['spec'].ports[0].targetPort, 'http');

    // The ConfigMap is a valid ServiceConfig for `edgeplane serve`, naming the mounted files.
    const config = only(objects, 'ConfigMap')['data']['config.yaml'] as string;
    const mounts = tempDir();
    for (const file of ['git/token', 'webhook/secret']) {
      fs.mkdirSync(path.join(mounts, path.dirname(file)), { recursive: true });
      fs.writeFileSync(path.join(mounts, file), 'x\n');
    }
    const configFile = path.join(mounts, 'config.yaml');
    fs.writeFileSync(configFile, config.replaceAll('/etc/edgeplane/', `${mounts}/`));
    const settings = loadServeSettings({ config: configFile }, { POD_NAME: 'fleet-edgeplane-7d9f-abcde', POD_NAMESPACE: 'edgeplane' });
    assert.equal(settings.source.repo, 'https://git.example.org/fleet/spec.git');
    assert.deepEqual(settings.listen, { host: '0.0.0.0', port: 8080 });
    assert.equal(settings.webhook.secrets.describe, `${mounts}/webhook/secret`);
    assert.equal(settings.git.tokenFile, `${mounts}/git/token`);
    assert.equal(settings.sharding, undefined);
  });

  it('sharded service: Leases only in its namespace, Argo CD read-only in its namespace, Ingress and ServiceMonitor', async () => {
    const objects = await render(...ci('sharded-values.yaml'));
    const deployment = only(objects, 'Deployment');
    assert.equal(deployment['spec'].replicas, 3);
    const env = deployment['spec'].template.spec.containers[0].env as { name: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
    assert.equal(env.find((e) => e.name === 'POD_NAME')?.valueFrom?.fieldRef?.fieldPath, 'metadata.name');
    assert.equal(env.find((e) => e.name === 'POD_NAMESPACE')?.valueFrom?.fieldRef?.fieldPath, 'metadata.namespace');
    assert.equal(only(objects, 'ServiceAccount')['automountServiceAccountToken'], true);

    const all = rules(objects);
    assert.deepEqual(all, [
      { kind: 'Role', namespace: undefined, rule: { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'list', 'watch', 'create', 'update', 'delete'] } },
      { kind: 'Role', namespace: 'argocd', rule: { apiGroups: ['argoproj.io'], resources: ['applications'], verbs: ['get', 'list', 'watch'] } },
      { kind: 'Role', namespace: 'argocd', rule: { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'] } },
    ]);
    assert.ok(!objects.some((o) => o.kind === 'ClusterRole' || o.kind === 'ClusterRoleBinding'), 'nothing cluster-wide');
    for (const binding of objects.filter((o) => o.kind === 'RoleBinding')) assert.equal(binding['subjects'][0].name, 'fleet-edgeplane');

    const ingress = only(objects, 'Ingress');
    assert.equal(ingress['spec'].rules[0].host, 'edgeplane.example.org');
    assert.equal(ingress['spec'].rules[0].http.paths[0].backend.service.name, 'fleet-edgeplane');
    const monitor = only(objects, 'ServiceMonitor');
    assert.equal(monitor['spec'].endpoints[0].path, '/metrics');
    assert.equal(monitor.metadata.labels?.['release'], 'prometheus');

    const config = only(objects, 'ConfigMap')['data']['config.yaml'] as string;
    assert.match(config, /sharding:\n\s+enabled: true\n\s+shards: 32\n\s+group: "fleet-edgeplane"/);
    assert.match(config, /trigger: \{tokenFile: \/etc\/edgeplane\/trigger\/token\}/);
  });

  it('agent mode: `edgeplane agent` for one location, read-only RBAC, no Service', async () => {
    const objects = await render(...ci('agent-values.yaml'));
    assert.ok(!objects.some((o) => ['Service', 'Ingress', 'ConfigMap', 'Role'].includes(o.kind)));
    const deployment = only(objects, 'Deployment');
    assert.equal(deployment['spec'].replicas, 1);
    const container = deployment['spec'].template.spec.containers[0];
    assert.deepEqual(container.args, [
      'agent',
      '--location=kiruna',
      '--output=https://git.example.org/fleet/spec.git',
      '--interval=60s',
      '--mode=branch',
      '--state-dir=/var/cache/edgeplane/agent',
      '--consumer=argocd',
      '--token-file=/etc/edgeplane/git/token',
    ]);
    for (const { rule } of rules(objects)) assert.deepEqual(rule.verbs, ['get', 'list', 'watch']);
    const bindings = objects.filter((o) => o.kind === 'ClusterRoleBinding').map((o) => o['roleRef'].name).sort();
    assert.deepEqual(bindings, ['fleet-edgeplane-agent', 'view']);
  });

  it('never grants a wildcard, whatever the mode', async () => {
    for (const args of [ci('service-values.yaml'), ci('sharded-values.yaml'), ci('agent-values.yaml')]) {
      for (const { rule } of rules(await render(...args))) {
        for (const list of [rule.apiGroups, rule.resources, rule.verbs]) assert.ok(!list.includes('*'), JSON.stringify(rule));
      }
    }
  });
});
