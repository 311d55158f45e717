import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, CommanderError } from 'commander';
import { parseAllDocuments } from 'yaml';
import { inventoryCommand } from '../../src/cli/commands/inventory.js';
import { EdgeplaneError } from '../../src/errors/edgeplaneError.js';
import { isInternalKey, userMetadata } from '../../src/inventory/userMetadata.js';
import { toLocationName } from '../../src/inventory/locationName.js';
import { startKubeApiServer, type KubeApiServer } from '../support/kubeApiServer.js';
import { git, readTreeFiles, runCli, specRepoFrom, tempDir } from '../support/specRepo.js';

// Credentials of the fixture clusters. None of these bytes may reach a written file or the CLI's output.
const TOKEN = 'eyJhbGciOiJSUzI1NiIsImtpZCI6ImVzcmFuZ2UifQ.c2VjcmV0LXNlcnZpY2UtYWNjb3VudC10b2tlbg.SIGNATURE-esrange-7f3a';
const CA = 'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJlc3JhbmdlQ0EKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=';
const CLIENT_CERT = 'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJ0cm9sbENMSUVOVAotLS0tLUVORCBDRVJUSUZJQ0FURS0tLS0tCg==';
const CLIENT_KEY = 'LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCk1JSUV0cm9sbEtFWQotLS0tLUVORCBQUklWQVRFIEtFWS0tLS0tCg==';
const PASSWORD = 'hunter2-svalbard-basic-auth';
const EXEC_SECRET = 'aws-profile-secret-ops';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

interface ClusterSecret {
  secretName: string;
  name?: string;
  server?: string;
  config: object;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  namespace?: string;
  extra?: Record<string, string>;
}

/** An Argo CD cluster Secret as the API returns it (Argo CD "declarative setup"): base64 data. */
function clusterSecret(c: ClusterSecret): object {
  const data: Record<string, string> = { config: b64(JSON.stringify(c.config)) };
  if (c.name !== undefined) data['name'] = b64(c.name);
  if (c.server !== undefined) data['server'] = b64(c.server);
  for (const [key, value] of Object.entries(c.extra ?? {})) data[key] = b64(value);
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: {
      name: c.secretName,
      namespace: c.namespace ?? 'argocd',
      labels: { 'argocd.argoproj.io/secret-type': 'cluster', ...(c.labels ?? {}) },
      ...(c.annotations ? { annotations: c.annotations } : {}),
    },
    data,
  };
}

/** Three edge clusters as an operator would have declared them, and one Argo CD repository Secret. */
function fleetSecrets(): object[] {
  const esrangeConfig = { bearerToken: TOKEN, tlsClientConfig: { insecure: false, caData: CA } };
  return [
    clusterSecret({
      secretName: 'cluster-esrange',
      name: 'Esrange Ground Station',
      server: 'https://10.20.0.5:6443',
      config: esrangeConfig,
      labels: { region: 'eu-north', ring: 'canary', 'app.kubernetes.io/part-of': 'argocd' },
      annotations: {
        operator: 'ssc',
        'managed-by': 'argocd.argoproj.io',
        // What `kubectl apply` leaves behind: the whole Secret, credentials included (GHSA-fwr2-64vr-xv9m).
        'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({ apiVersion: 'v1', kind: 'Secret', stringData: { name: 'Esrange Ground Station', config: JSON.stringify(esrangeConfig) } }),
      },
      extra: { project: 'edge', namespaces: 'telemetry,monitoring', clusterResources: 'true' },
    }),
    clusterSecret({
      secretName: 'cluster-svalbard',
      name: 'svalbard',
      server: 'https://svalbard.edge.example.org:6443',
      config: { username: 'admin', password: PASSWORD, tlsClientConfig: { caData: CA } },
      labels: { region: 'eu-north', ring: 'stable' },
    }),
    clusterSecret({
      secretName: 'cluster-troll',
      name: 'troll',
      server: 'https://172.16.8.1:6443',
      config: { tlsClientConfig: { certData: CLIENT_CERT, keyData: CLIENT_KEY, caData: CA }, execProviderConfig: { command: 'aws', args: ['eks', 'get-token', '--profile', EXEC_SECRET], apiVersion: 'client.authentication.k8s.io/v1beta1' } },
      labels: { region: 'antarctica', 'argocd.argoproj.io/auto-label-cluster-info': 'true' },
    }),
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'repo-spec', namespace: 'argocd', labels: { 'argocd.argoproj.io/secret-type': 'repository' } },
      data: { url: b64('https://git.example.org/fleet/spec.git'), password: b64(PASSWORD) },
    },
  ];
}

const CREDENTIALS = [TOKEN, CA, CLIENT_CERT, CLIENT_KEY, PASSWORD, EXEC_SECRET, b64(TOKEN), b64(PASSWORD), 'bearerToken', 'tlsClientConfig', 'keyData'];

function assertNoCredentials(text: string, where: string): void {
  for (const secret of CREDENTIALS) assert.ok(!text.includes(secret), `${where} contains credential bytes ${JSON.stringify(secret.slice(0, 12))}...`);
  // Nor any base64 payload of a Secret's data.
  for (const object of fleetSecrets()) {
    for (const value of Object.values((object as { data: Record<string, string> }).data)) {
      if (value.length > 24) assert.ok(!text.includes(value), `${where} contains a Secret data value`);
    }
  }
}

/** The inventory command on a program set up as main.ts sets one up, until the lead registers it there. */
async function runInventory(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  let code = 0;
  const io = { out: (t: string) => (out += t), err: (t: string) => (err += t), isTTY: false };
  const program = new Command().name('edgeplane').exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err });
  program.addCommand(inventoryCommand(io, (c) => (code = Math.max(code, c))).copyInheritedSettings(program));
  try {
    await program.parseAsync(['node', 'edgeplane', ...args]);
  } catch (error) {
    if (error instanceof CommanderError) return { code: error.exitCode === 0 ? 0 : 2, out, err };
    if (error instanceof EdgeplaneError) return { code: 2, out, err: `${err}edgeplane: ${error.message}\n` };
    throw error;
  }
  return { code, out, err };
}

function read(dir: string, file: string): string {
  return fs.readFileSync(path.join(dir, file), 'utf8');
}

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name))).sort();
}

describe('edgeplane inventory import', () => {
  let server: KubeApiServer;
  let kubeconfig: string;
  let repo: string;

  beforeEach(async () => {
    server = await startKubeApiServer({ objects: fleetSecrets() });
    kubeconfig = server.writeKubeconfig(tempDir('edgeplane-kube-'), 'hub');
    repo = specRepoFrom('demo');
  });

  afterEach(async () => {
    await server.close();
  });

  describe('--from argocd', () => {
    it('writes one Location per cluster Secret: sanitized name, user labels, server, consumer argocd', async () => {
      const result = await runInventory('inventory', 'import', '--from', 'argocd', '--kubeconfig', kubeconfig, '--repo', repo);
      assert.equal(result.code, 0, result.err);
      assert.equal(
        result.out,
        'wrote inventory/esrange-ground-station.yaml\nwrote inventory/svalbard.yaml\nwrote inventory/troll.yaml\n' +
          'imported 3 location(s) from Argo CD cluster Secrets in namespace argocd; review, then commit and run edgeplane validate.\n',
      );
      assert.equal(result.err, 'note: Secret argocd/cluster-esrange: cluster "Esrange Ground Station" becomes location "esrange-ground-station"\n');
      assert.equal(
        read(repo, 'inventory/esrange-ground-station.yaml'),
        [
          '# Imported by `edgeplane inventory import` from Secret argocd/cluster-esrange.',
          'apiVersion: edgeplane.io/v1alpha1',
          'kind: Location',
          'metadata:',
          '  name: esrange-ground-station',
          '  labels:',
          '    region: eu-north',
          '    ring: canary',
          '  annotations:',
          '    operator: ssc',
          'spec:',
          '  cluster:',
          '    server: https://10.20.0.5:6443',
          '  consumer: argocd',
          '',
        ].join('\n'),
      );
      const troll = parseAllDocuments(read(repo, 'inventory/troll.yaml'))[0]!.toJS();
      assert.deepEqual(troll, { apiVersion: 'edgeplane.io/v1alpha1', kind: 'Location', metadata: { name: 'troll', labels: { region: 'antarctica' } }, spec: { cluster: { server: 'https://172.16.8.1:6443' }, consumer: 'argocd' } });
    });

    it('never writes or prints a byte of the clusters\' credentials', async () => {
      const other = specRepoFrom('demo');
      const single = await runInventory('inventory', 'import', '--from', 'argocd', '--kubeconfig', kubeconfig, '--repo', repo, '--out', 'inventory/imported.yaml');
      const perLocation = await runInventory('inventory', 'import', '--from', 'argocd', '--kubeconfig', kubeconfig, '--repo', other, '--out', 'inventory/edge');
      for (const result of [single, perLocation]) {
        assert.equal(result.code, 0, result.err);
        assertNoCredentials(result.out + result.err, 'the CLI output');
      }
      const written = [
        ...filesUnder(path.join(repo, 'inventory')).map((f) => path.join(repo, 'inventory', f)),
        ...filesUnder(path.join(other, 'inventory')).map((f) => path.join(other, 'inventory', f)),
      ];
      assert.deepEqual(written.map((f) => path.basename(f)).sort(), ['esrange-ground-station.yaml', 'europe.yaml', 'europe.yaml', 'imported.yaml', 'rest-of-world.yaml', 'rest-of-world.yaml', 'svalbard.yaml', 'troll.yaml']);
      for (const file of written) assertNoCredentials(fs.readFileSync(file, 'utf8'), file);
    });

    it('validates with edgeplane validate once committed, and the imported locations get their placements', async () => {
      const result = await runInventory('inventory', 'import', '--from', 'argocd', '--kubeconfig', kubeconfig, '--repo', repo, '--out', 'inventory/imported.yaml');
      assert.equal(result.code, 0, result.err);
      git(repo, 'add', '-A');
      git(repo, 'commit', '-q', '-m', 'import the Argo CD clusters');
      const validated = await runCli('validate', '--repo', repo);
      assert.equal(validated.code, 0, validated.err);
      assert.equal(validated.out, 'ok: 10 locations, 3 placements, no problems.\n');
      // esrange (ring canary) and svalbard (region eu-north) match the monitoring placement.
      const reconciled = await runCli('reconcile', '--repo', repo);
      assert.equal(reconciled.code, 0, reconciled.err);
      const monitoring = (location: string) => [...readTreeFiles(repo, `edgeplane/${location}`).keys()].filter((f) => f.startsWith('monitoring/'));
      for (const location of ['esrange-ground-station', 'svalbard']) assert.ok(monitoring(location).length > 0, `${location} runs monitoring`);
      assert.deepEqual(monitoring('troll'), [], 'troll matches no placement');
    });

    it('is byte-stable: one multi-document file sorted by name, the same bytes on every run', async () => {
      const first = await runInventory('inventory', 'import', '--from', 'argocd', '--kubeconfig', kubeconfig, '--repo', repo, '--out', 'inventory/imported.yaml');
      assert.equal(first.code, 0, first.err);
      const text = read(repo, 'inventory/imported.yaml');
      const names = parseAllDocuments(text).map((d) => (d.toJS() as { metadata: { name: string } }).metadata.name);
      assert.deepEqual(names, ['esrange-ground-station', 'svalbard', 'troll']);
      server.put(fleetSecrets()[1]!); // a controller rewrote a Secret: new resourceVersion, same content
      const second = await runInventory('inventory', 'import', '--from', 'argocd', '--kubeconfig', kubeconfig, '--repo', repo, '--out', 'inventory/imported.yaml', '--force');
      assert.equal(second.code, 0, second.err);
      assert.equal(read(repo, 'inventory/imported.yaml'), text);
    });

    it('refuses to overwrite an existing file without --force, and writes nothing', async () => {
      fs.writeFileSync(path.join(repo, 'inventory/svalbard.yaml'), '# mine\n');
      const refused = await runInventory('inventory', 'import', '--from', 'argocd', '--kubeconfig', kubeconfig, '--repo', repo);
      assert.equal(refused.code, 1);
      assert.match(refused.err, /^inventory\/svalbard\.yaml: the file exists \(pass --force to overwrite it, or write elsewhere with --out\)$/m);
      assert.match(refused.err, /1 problem\(s\); nothing was written\.\n$/);
      assert.equal(read(repo, 'inventory/svalbard.yaml'), '# mine\n');
      assert.ok(!fs.existsSync(path.join(repo, 'inventory/troll.yaml')), 'nothing written');
      const forced = await runInventory('inventory', 'import', '--from', 'argocd', '--kubeconfig', kubeconfig, '--repo', repo, '--force');
      assert.equal(forced.code, 0, forced.err);
      assert.match(read(repo, 'inventory/svalbard.yaml'), /name: svalbard/);
    });

    it('with --force, replaces what an import wrote, never hand-written Locations', async () => {
      const first = await runInventory('inventory', 'import', '--from', 'argocd', '--kubeconfig', kubeconfig, '--repo', repo, '--out', 'inventory/imported.yaml');
      assert.equal(first.code, 0, first.err);
      assert.ok(server.remove('v1', 'Secret', 'argocd', 'cluster-troll'), 'a cluster left Argo CD');
      const again = await runInventory('inventory', 'import', '--from', 'argocd', '--kubeconfig', kubeconfig, '--repo', repo, '--out', 'inventory/imported.yaml', '--force');
      assert.equal(again.code, 0, again.err);
      assert.deepEqual(parseAllDocuments(read(repo, 'inventory/imported.yaml')).map((d) => (d.toJS() as { metadata: { name: string } }).metadata.name), ['esrange-ground-station', 'svalbard']);

      const europe = read(repo, 'inventory/europe.yaml');
      server.put(clusterSecret({ secretName: 'cluster-europe', name: 'Europe', server: 'https://10.30.0.1:6443', config: {} }));
      const clobber = await runInventory('inventory', 'import', '--from', 'argocd', '--kubeconfig', kubeconfig, '--repo', repo, '--out', 'inventory', '--force');
      assert.equal(clobber.code, 1);
      assert.match(clobber.err, /^inventory\/europe\.yaml: the file holds Locations this import does not write \(kiruna, redu, cebreros\): overwriting it would delete them \(write elsewhere with --out, or move them out of the file first\)$/m);
      assert.equal(read(repo, 'inventory/europe.yaml'), europe);
    });

    it('reports names that collide with each other or with the inventory, and servers used twice', async () => {
      server.put(clusterSecret({ secretName: 'cluster-esrange-2', name: 'esrange ground-station', server: 'https://10.20.0.6:6443', config: {} }));
      server.put(clusterSecret({ secretName: 'cluster-kiruna', name: 'Kiruna', server: 'https://10.0.0.5:6443', config: {} }));
      server.put(clusterSecret({ secretName: 'cluster-troll-again', name: 'troll-2', server: 'https://172.16.8.1:6443', config: {} }));
      server.put(clusterSecret({ secretName: 'cluster-nameless', name: '***', server: 'https://10.9.9.9', config: {} }));
      server.put(clusterSecret({ secretName: 'cluster-serverless', name: 'lost', config: {} }));
      server.put(clusterSecret({ secretName: 'cluster-socket', name: 'socket', server: 'unix:///var/run/k8s.sock', config: {} }));
      const result = await runInventory('inventory', 'import', '--from', 'argocd', '--kubeconfig', kubeconfig, '--repo', repo);
      assert.equal(result.code, 1);
      const problems = result.err.split('\n').filter((line) => line.startsWith('Secret '));
      assert.deepEqual(problems, [
        'Secret argocd/cluster-esrange-2: location name "esrange-ground-station" (from cluster "esrange ground-station") is also made from Secret argocd/cluster-esrange (cluster "Esrange Ground Station") (rename one of the clusters so that their names differ in letters or digits)',
        'Secret argocd/cluster-esrange: location name "esrange-ground-station" (from cluster "Esrange Ground Station") is also made from Secret argocd/cluster-esrange-2 (cluster "esrange ground-station") (rename one of the clusters so that their names differ in letters or digits)',
        'Secret argocd/cluster-kiruna: location "kiruna" already exists in inventory/europe.yaml (remove or rename that Location, or rename the cluster)',
        'Secret argocd/cluster-nameless: cannot make a location name of the cluster name "***" (give the cluster a name with letters or digits)',
        'Secret argocd/cluster-serverless: the cluster Secret has no server field (add data.server (the API server URL) to the Secret, as Argo CD requires)',
        'Secret argocd/cluster-socket: the server "unix:///var/run/k8s.sock" is not an http(s) URL (set the cluster server to the API URL, e.g. https://10.0.0.5:6443)',
        'Secret argocd/cluster-troll-again: server https://172.16.8.1:6443 is also the server of Secret argocd/cluster-troll: one cluster would become two locations (remove the duplicate, or import one of them (--context picks one kubeconfig context))',
        'Secret argocd/cluster-troll: server https://172.16.8.1:6443 is also the server of Secret argocd/cluster-troll-again: one cluster would become two locations (remove the duplicate, or import one of them (--context picks one kubeconfig context))',
      ]);
      assert.match(result.err, /8 problem\(s\); nothing was written\.\n$/);
      assert.deepEqual(filesUnder(path.join(repo, 'inventory')), ['europe.yaml', 'rest-of-world.yaml']);
      assertNoCredentials(result.out + result.err, 'the problem report');
    });

    it('reads another namespace, pages through many Secrets, and uses the default kubeconfig rules', async () => {
      for (let i = 0; i < 520; i++) {
        server.put(clusterSecret({ secretName: `edge-${i}`, namespace: 'gitops', name: `edge-${String(i).padStart(3, '0')}`, server: `https://10.1.${Math.floor(i / 250)}.${i % 250}:6443`, config: { bearerToken: TOKEN } }));
      }
      const before = server.requests;
      const saved = process.env['KUBECONFIG'];
      process.env['KUBECONFIG'] = kubeconfig;
      try {
        const result = await runInventory('inventory', 'import', '--from', 'argocd', '--namespace', 'gitops', '--repo', repo, '--out', 'inventory/gitops.yaml');
        assert.equal(result.code, 0, result.err);
        assert.match(result.out, /imported 520 location\(s\) from Argo CD cluster Secrets in namespace gitops/);
      } finally {
        if (saved === undefined) delete process.env['KUBECONFIG'];
        else process.env['KUBECONFIG'] = saved;
      }
      assert.equal(server.requests - before, 2, 'two pages of at most 500');
      const docs = parseAllDocuments(read(repo, 'inventory/gitops.yaml'));
      assert.equal(docs.length, 520);
      assert.equal((docs[0]!.toJS() as { metadata: { name: string } }).metadata.name, 'edge-000');
    });

    it('says so when a namespace has no cluster Secrets', async () => {
      const result = await runInventory('inventory', 'import', '--from', 'argocd', '--kubeconfig', kubeconfig, '--repo', repo, '--namespace', 'elsewhere');
      assert.equal(result.code, 1);
      assert.match(result.err, /^Argo CD cluster Secrets in namespace elsewhere: no clusters found \(check --namespace and --context: Argo CD cluster Secrets carry the label argocd\.argoproj\.io\/secret-type=cluster\)$/m);
    });

    it('fails with exit 2 and a clear message when the API refuses the token or cannot be reached', async () => {
      const badToken = path.join(tempDir(), 'bad.kubeconfig');
      fs.writeFileSync(badToken, read(path.dirname(kubeconfig), path.basename(kubeconfig)).replace(server.token, 'not-the-token'));
      const refused = await runInventory('inventory', 'import', '--from', 'argocd', '--kubeconfig', badToken, '--repo', repo);
      assert.equal(refused.code, 2);
      assert.match(refused.err, /^edgeplane: the Kubernetes API at http:\/\/127\.0\.0\.1:\d+ \(context hub\) refused to list the cluster Secrets in namespace argocd: HTTP 401/);
      assert.ok(!refused.err.includes('not-the-token'));
      await server.close();
      const unreachable = await runInventory('inventory', 'import', '--from', 'argocd', '--kubeconfig', kubeconfig, '--repo', repo);
      assert.equal(unreachable.code, 2);
      assert.match(unreachable.err, /^edgeplane: cannot reach the Kubernetes API at http:\/\/127\.0\.0\.1:\d+ \(context hub\)/);
      const noContext = await runInventory('inventory', 'import', '--from', 'argocd', '--kubeconfig', kubeconfig, '--context', 'prod', '--repo', repo);
      assert.equal(noContext.code, 2);
      assert.match(noContext.err, /the kubeconfig has no context "prod" \(it has: hub\)/);
    });

    it('checks its arguments', async () => {
      assert.equal((await runInventory('inventory', 'import', '--repo', repo)).code, 2, '--from is required');
      assert.equal((await runInventory('inventory', 'import', '--from', 'rancher', '--repo', repo)).code, 2);
      assert.equal((await runInventory('inventory', 'import', '--from', 'argocd', '--consumer', 'helm', '--repo', repo)).code, 2);
      const help = await runInventory('inventory', 'import', '--help');
      assert.equal(help.code, 0);
      assert.match(help.out, /Usage: edgeplane inventory import \[options\]/);
    });
  });

  describe('--from kubeconfig', () => {
    function writeKubeconfig(): string {
      const file = path.join(tempDir(), 'fleet.kubeconfig');
      const config = {
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          { name: 'esrange', cluster: { server: 'https://10.20.0.5:6443', 'certificate-authority-data': CA } },
          { name: 'arn:aws:eks:eu-north-1:123456789012:cluster/kiruna-2', cluster: { server: 'https://ABCDEF.gr7.eu-north-1.eks.amazonaws.com' } },
        ],
        users: [
          { name: 'esrange-admin', user: { token: TOKEN } },
          { name: 'eks', user: { 'client-certificate-data': CLIENT_CERT, 'client-key-data': CLIENT_KEY } },
        ],
        contexts: [
          { name: 'esrange', context: { cluster: 'esrange', user: 'esrange-admin' } },
          { name: 'arn:aws:eks:eu-north-1:123456789012:cluster/kiruna-2', context: { cluster: 'arn:aws:eks:eu-north-1:123456789012:cluster/kiruna-2', user: 'eks', namespace: 'telemetry' } },
        ],
        'current-context': 'esrange',
      };
      fs.writeFileSync(file, JSON.stringify(config));
      return file;
    }

    it('writes a Location per context: name from the context, server from its cluster, no credentials', async () => {
      const result = await runInventory('inventory', 'import', '--from', 'kubeconfig', '--kubeconfig', writeKubeconfig(), '--repo', repo, '--out', 'inventory/contexts.yaml');
      assert.equal(result.code, 0, result.err);
      const text = read(repo, 'inventory/contexts.yaml');
      assertNoCredentials(text + result.out + result.err, 'the kubeconfig import');
      assert.deepEqual(
        parseAllDocuments(text).map((d) => d.toJS()),
        [
          { apiVersion: 'edgeplane.io/v1alpha1', kind: 'Location', metadata: { name: 'arn-aws-eks-eu-north-1-123456789012-cluster-kiruna-2' }, spec: { cluster: { server: 'https://ABCDEF.gr7.eu-north-1.eks.amazonaws.com' } } },
          { apiVersion: 'edgeplane.io/v1alpha1', kind: 'Location', metadata: { name: 'esrange' }, spec: { cluster: { server: 'https://10.20.0.5:6443' } } },
        ],
      );
      assert.match(text, /^# Imported by `edgeplane inventory import` from kubeconfig context "esrange"\.$/m);
      git(repo, 'add', '-A');
      git(repo, 'commit', '-q', '-m', 'import contexts');
      const validated = await runCli('validate', '--repo', repo);
      assert.equal(validated.code, 0, validated.err);
    });

    it('imports one context with --context, with the consumer asked for', async () => {
      const result = await runInventory('inventory', 'import', '--from', 'kubeconfig', '--kubeconfig', writeKubeconfig(), '--context', 'esrange', '--consumer', 'flux', '--repo', repo);
      assert.equal(result.code, 0, result.err);
      assert.equal(result.out.split('\n')[0], 'wrote inventory/esrange.yaml');
      assert.match(read(repo, 'inventory/esrange.yaml'), /consumer: flux/);
      assert.deepEqual(filesUnder(path.join(repo, 'inventory')), ['esrange.yaml', 'europe.yaml', 'rest-of-world.yaml']);
    });
  });

  describe('names and metadata', () => {
    it('makes DNS-1123 labels of free-form cluster names', () => {
      const cases: [string, string | undefined][] = [
        ['kiruna', 'kiruna'],
        ['Esrange Ground Station', 'esrange-ground-station'],
        ['arn:aws:eks:eu-north-1:123456789012:cluster/kiruna', 'arn-aws-eks-eu-north-1-123456789012-cluster-kiruna'],
        ['gke_fleet-prod_europe-north1_kiruna', 'gke-fleet-prod-europe-north1-kiruna'],
        ['Málaga–Station', 'malaga-station'],
        ['--edge--', 'edge'],
        ['a'.repeat(62) + '-b', 'a'.repeat(62)],
        ['***', undefined],
        ['', undefined],
      ];
      for (const [name, expected] of cases) assert.equal(toLocationName(name), expected, name);
    });

    it('keeps user labels and annotations, drops those of Kubernetes, Argo CD, Helm and Flux', () => {
      assert.ok(isInternalKey('argocd.argoproj.io/secret-type', 'cluster'));
      assert.ok(isInternalKey('kubectl.kubernetes.io/last-applied-configuration', '{}'));
      assert.ok(isInternalKey('app.kubernetes.io/managed-by', 'Helm'));
      assert.ok(isInternalKey('meta.helm.sh/release-name', 'fleet'));
      assert.ok(isInternalKey('kustomize.toolkit.fluxcd.io/name', 'clusters'));
      assert.ok(isInternalKey('managed-by', 'argocd.argoproj.io'));
      assert.ok(!isInternalKey('managed-by', 'team-ground'));
      assert.ok(!isInternalKey('edgeplane.io/expand-parameters', 'true'));
      assert.ok(!isInternalKey('region', 'eu-north'));
      assert.ok(!isInternalKey('example.com/tier', 'groundstation'));
      assert.deepEqual(userMetadata({ ring: 'canary', 'topology.kubernetes.io/region': 'eu', band: 'x' }), { band: 'x', ring: 'canary' });
    });
  });
});
