import { strict as assert } from 'node:assert';
import { shardOfLocation } from '../../src/serve/shardAssignment.js';
import { startKubeApiServer } from '../support/kubeApiServer.js';
import { gitAsync, tempDir } from '../support/specRepo.js';
import {
  fleetFiles,
  githubRequest,
  locationBranches,
  post,
  pushPayload,
  reconciled,
  serviceEnv,
  startService,
  startSpecRemote,
  waitFor,
  type SpecRemote,
  type TestService,
} from '../serve/serveSupport.js';

const LOCATIONS = 24;
const SHARDS = 8;
const TIMING = { leaseDurationMs: 3_000, renewIntervalMs: 1_000, retryPeriodMs: 200 };
/** Zone z0 (every fourth store) first; the rest waits for reports that never come. */
const ROLLOUT = '  rollout:\n    waves:\n    - {name: first, locationSelector: {matchLabels: {zone: z0}}}\n    - {name: rest}\n';

async function startReplica(remote: SpecRemote, kubeconfig: string, index: number): Promise<TestService> {
  const env = serviceEnv(remote, { EDGEPLANE_SHARDING: 'true', POD_NAME: `replica-${index}`, POD_NAMESPACE: 'default' });
  return startService(env, (s) => {
    s.sharding = { ...s.sharding!, shards: SHARDS, group: 'edgeplane', kubeconfig, ...TIMING };
  });
}

async function versionAt(remote: SpecRemote, location: string): Promise<string> {
  const config = await gitAsync(remote.bare, 'show', `refs/heads/edgeplane/${location}:shop/configmap_shop_shop.yaml`);
  return /version: "?([^"\n]+)"?/.exec(config)![1]!;
}

describe('rollout under edgeplane serve with shards', function () {
  this.timeout(120_000);

  it('the elected replica alone decides and writes rollouts; the other renders its stations from the record, told by a peer trigger', async () => {
    const remote = await startSpecRemote(fleetFiles(LOCATIONS, 'v1'));
    const api = await startKubeApiServer();
    const kubeconfig = api.writeKubeconfig(tempDir());
    const replicas: TestService[] = [];
    try {
      for (let i = 0; i < 2; i++) replicas.push(await startReplica(remote, kubeconfig, i));
      await waitFor(() => {
        const owned = replicas.flatMap((r) => r.service.coordinator!.snapshot().owned);
        return owned.length === SHARDS && replicas.every((r) => r.service.coordinator!.snapshot().owned.length > 0) && replicas.some((r) => r.service.coordinator!.isLeader());
      }, 20_000, 'the shards to settle');
      await waitFor(async () => (await locationBranches(remote.bare)).size === LOCATIONS, 30_000, 'the first publication');
      await Promise.all(replicas.map((r) => r.service.queue.whenIdle()));
      const leader = replicas.find((r) => r.service.coordinator!.isLeader())!;
      const other = replicas.find((r) => r !== leader)!;
      const stores = [...(await locationBranches(remote.bare)).keys()].sort();
      const first = stores.filter((_, i) => i % 4 === 0);
      const ownerOf = (location: string) => replicas.find((r) => r.service.coordinator!.snapshot().owned.includes(shardOfLocation(location, SHARDS)))!;
      assert.ok(first.some((l) => ownerOf(l) === leader) && first.some((l) => ownerOf(l) === other), 'the first wave spans both replicas');

      const marks = replicas.map((r) => r.outcomes.length);
      const before = await locationBranches(remote.bare);
      const files = fleetFiles(LOCATIONS, 'v2');
      const sha = await remote.push({ 'placements/shop.yaml': files['placements/shop.yaml']! + ROLLOUT, 'workloads/shop/config.yaml.hbs': files['workloads/shop/config.yaml.hbs']! }, 'v2 in waves');
      assert.equal((await post(`${other.url}/webhook`, githubRequest('push', pushPayload('refs/heads/main', sha, remote.url)))).status, 202);
      await waitFor(async () => (await Promise.all(first.map((l) => versionAt(remote, l)))).every((v) => v === 'v2'), 30_000, 'the first wave on v2 in both shards');
      await Promise.all(replicas.map((r) => r.service.queue.whenIdle()));

      const after = await locationBranches(remote.bare);
      for (const location of stores) {
        if (first.includes(location)) assert.equal((await gitAsync(remote.bare, 'rev-list', '--count', `${before.get(location)}..${after.get(location)}`)).trim(), '1', location);
        else assert.equal(after.get(location), before.get(location), `${location} is held by the rollout`);
      }
      const runs = (r: TestService) => reconciled(r.outcomes.slice(marks[replicas.indexOf(r)]));
      assert.ok(runs(leader).some((o) => o.result!.rolloutsCommit !== null), 'the elected replica wrote the record');
      assert.ok(runs(other).length > 0);
      assert.ok(runs(other).every((o) => o.result!.rolloutsCommit === null), 'the other replica never writes edgeplane-rollouts');
      assert.ok(runs(other).some((o) => o.result!.updated.some((l) => first.includes(l))), 'it released its own first-wave stores');
      const record = await gitAsync(remote.bare, 'show', 'refs/heads/edgeplane-rollouts:rollouts/shop.yaml');
      assert.match(record, /phase: Progressing/);
      assert.match(record, /message: "?wave first waits for advanceWhen until \S+ \(progressDeadline \S+\)"?/);
      assert.ok(other.logs.slice(-40).some((line) => /"triggers":\["peer"\]/.test(line)), 'the follower was told by a peer trigger');
    } finally {
      await Promise.all(replicas.map((r) => r.service.stop()));
      await api.close();
      await remote.close();
    }
  });
});
