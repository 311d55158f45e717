import * as assert from 'node:assert/strict';
import { shardOfLocation } from '../../src/serve/shardAssignment.js';
import { fleetStatusWriter, type StatusWriter } from '../../src/serve/statusWriter.js';
import { startKubeApiServer, type KubeApiServer } from '../support/kubeApiServer.js';
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
} from './serveSupport.js';

const LOCATIONS = 40;
const SHARDS = 12;
const TIMING = { leaseDurationMs: 3_000, renewIntervalMs: 1_000, retryPeriodMs: 200 };
/** Timers in one busy test process (two servers, several replicas) fire late by this much at worst. */
const SCHEDULING_SLACK_MS = 1_000;

/** Which replica wrote a status summary, in order. */
const statusWrites: string[] = [];

async function startReplica(remote: SpecRemote, kubeconfig: string, index: number): Promise<TestService> {
  const identity = `replica-${index}`;
  const env = serviceEnv(remote, { EDGEPLANE_SHARDING: 'true', POD_NAME: identity, POD_NAMESPACE: 'default' });
  const writer = fleetStatusWriter();
  const status: StatusWriter = {
    write: (input) => {
      statusWrites.push(identity);
      return writer.write(input);
    },
  };
  return startService(
    env,
    (s) => {
      s.sharding = { ...s.sharding!, shards: SHARDS, group: 'edgeplane', kubeconfig, ...TIMING };
    },
    { status },
  );
}

/** Every shard owned by exactly one of `replicas`, each of which sees all of them as members. */
function settled(replicas: readonly TestService[]): boolean {
  const snapshots = replicas.map((r) => r.service.coordinator!.snapshot());
  const owned = snapshots.flatMap((s) => s.owned);
  return owned.length === SHARDS && new Set(owned).size === SHARDS && snapshots.every((s) => s.members.length === replicas.length && s.owned.length > 0);
}

async function allIdle(replicas: readonly TestService[]): Promise<void> {
  await Promise.all(replicas.map((r) => r.service.queue.whenIdle()));
}

/** What each replica updated in the runs after `marks`. */
function updatesSince(replicas: readonly TestService[], marks: readonly number[]): string[][] {
  return replicas.map((r, i) => reconciled(r.outcomes.slice(marks[i])).flatMap((o) => o.result!.updated));
}

/**
 * Pushes a new version, tells one replica by webhook, waits until every location branch moved, and checks that
 * each location got exactly one commit, from the replica owning its shard.
 */
async function publishVersion(remote: SpecRemote, replicas: readonly TestService[], version: string): Promise<string[][]> {
  await allIdle(replicas);
  const before = await locationBranches(remote.bare);
  const marks = replicas.map((r) => r.outcomes.length);
  const sha = await remote.push({ 'workloads/shop/config.yaml.hbs': fleetFiles(1, version)['workloads/shop/config.yaml.hbs']! }, version);
  const response = await post(`${replicas[0]!.url}/webhook`, githubRequest('push', pushPayload('refs/heads/main', sha, remote.url)));
  assert.equal(response.status, 202);
  await waitFor(
    async () => {
      const now = await locationBranches(remote.bare);
      return [...before].every(([l, id]) => now.get(l) !== id);
    },
    30_000,
    `every location branch at ${version}`,
  );
  await allIdle(replicas);
  const after = await locationBranches(remote.bare);
  for (const [location, id] of before) {
    const commits = (await gitAsync(remote.bare, 'rev-list', '--count', `${id}..${after.get(location)}`)).trim();
    assert.equal(commits, '1', `${location} got ${commits} commits for one spec change`);
  }
  const config = await gitAsync(remote.bare, 'show', 'refs/heads/edgeplane/store-007:shop/configmap_shop_shop.yaml');
  assert.match(config, new RegExp(`version: "?${version}"?\n`));
  return updatesSince(replicas, marks);
}

/** Disjoint, covering the fleet, and each replica only touched its own shards. */
function assertSplit(replicas: readonly TestService[], updates: readonly string[][]): void {
  const all = updates.flat();
  assert.equal(all.length, LOCATIONS, `${all.length} publications for ${LOCATIONS} locations`);
  assert.equal(new Set(all).size, LOCATIONS, 'no location published twice');
  replicas.forEach((r, i) => {
    const owned = new Set(r.service.coordinator!.snapshot().owned);
    for (const location of updates[i]!) assert.ok(owned.has(shardOfLocation(location, SHARDS)), `${r.settings.sharding!.identity} published ${location} outside its shards`);
    assert.ok(updates[i]!.length > 0, `${r.settings.sharding!.identity} published nothing`);
  });
}

describe('serve: replicas share the fleet through Kubernetes Leases', function () {
  this.timeout(180_000);

  for (const count of [2, 3]) {
    it(`${count} replicas split the fleet with no location published twice; a killed replica's shards are taken over within the lease duration`, async () => {
      const remote = await startSpecRemote(fleetFiles(LOCATIONS, 'v1'));
      const api: KubeApiServer = await startKubeApiServer();
      const kubeconfig = api.writeKubeconfig(tempDir());
      const replicas: TestService[] = [];
      try {
        for (let i = 0; i < count; i++) replicas.push(await startReplica(remote, kubeconfig, i));
        await waitFor(() => settled(replicas), 20_000, 'the shards to settle');
        await waitFor(async () => (await locationBranches(remote.bare)).size === LOCATIONS, 30_000, 'the first publication');
        assert.equal(replicas.filter((r) => r.service.coordinator!.isLeader()).length, 1, 'one elected replica');
        // The leases are real coordination.k8s.io/v1 objects in the API server.
        const shard0 = api.get('coordination.k8s.io/v1', 'Lease', 'default', 'edgeplane-shard-0')!;
        assert.match(shard0['spec'].holderIdentity, /^replica-\d$/);

        statusWrites.length = 0;
        assertSplit(replicas, await publishVersion(remote, replicas, 'v2'));
        // Only the elected replica wrote the status summary.
        const leader = replicas.find((r) => r.service.coordinator!.isLeader())!.settings.sharding!.identity;
        assert.ok(statusWrites.length >= 1);
        assert.deepEqual([...new Set(statusWrites)], [leader]);
        assert.match(await gitAsync(remote.bare, 'show', 'refs/heads/edgeplane-status:summary/shop.yaml'), /locations: 40/);

        // Kill the last replica: no release, its leases must expire.
        const dead = replicas.pop()!;
        const orphaned = dead.service.coordinator!.snapshot().owned;
        const deadRuns = dead.outcomes.length;
        await dead.service.stop({ release: false });
        const killedAt = Date.now();
        const lastRenewal = Math.max(...orphaned.map((shard) => Date.parse(api.get('coordination.k8s.io/v1', 'Lease', 'default', `edgeplane-shard-${shard}`)!['spec'].renewTime)));
        await waitFor(() => settled(replicas), 20_000, 'the survivors to take the shards over');
        const takenAt = Date.now();
        const handover = takenAt - killedAt;
        // Never before the leases could expire, and within one lease duration of their last renewal (plus the
        // survivors' polling: they notice a lease stopped changing, and then that it expired, on their loop).
        assert.ok(takenAt - lastRenewal >= TIMING.leaseDurationMs, `taken over ${takenAt - lastRenewal} ms after the last renewal`);
        assert.ok(takenAt - lastRenewal <= TIMING.leaseDurationMs + 2 * TIMING.retryPeriodMs + SCHEDULING_SLACK_MS, `taken over ${takenAt - lastRenewal} ms after the last renewal`);
        assert.ok(handover <= TIMING.leaseDurationMs + 2 * TIMING.retryPeriodMs + SCHEDULING_SLACK_MS, `taken over ${handover} ms after the kill`);
        const nowOwned = replicas.flatMap((r) => r.service.coordinator!.snapshot().owned);
        for (const shard of orphaned) assert.ok(nowOwned.includes(shard));

        assertSplit(replicas, await publishVersion(remote, replicas, 'v3'));
        assert.equal(dead.outcomes.length, deadRuns, 'the dead replica did nothing more');
        process.stdout.write(
          `      (${count} replicas: the killed replica's shards were taken over ${handover} ms after the kill, ${takenAt - lastRenewal} ms after its last renewal; lease duration ${TIMING.leaseDurationMs} ms, retry period ${TIMING.retryPeriodMs} ms)\n`,
        );
      } finally {
        await Promise.all(replicas.map((r) => r.service.stop()));
        await api.close();
        await remote.close();
      }
    });
  }

  it('a replica stopping gracefully hands its shards over within a few retry periods', async () => {
    const remote = await startSpecRemote(fleetFiles(12, 'v1'));
    const api = await startKubeApiServer();
    const kubeconfig = api.writeKubeconfig(tempDir());
    const replicas: TestService[] = [];
    try {
      for (let i = 0; i < 2; i++) replicas.push(await startReplica(remote, kubeconfig, i));
      await waitFor(() => settled(replicas), 20_000, 'the shards to settle');
      const leaving = replicas.pop()!;
      await leaving.service.stop();
      const stoppedAt = Date.now();
      await waitFor(() => settled(replicas), 10_000, 'the other replica to take over');
      const handover = Date.now() - stoppedAt;
      assert.ok(handover < TIMING.leaseDurationMs / 2, `${handover} ms`);
    } finally {
      await Promise.all(replicas.map((r) => r.service.stop()));
      await api.close();
      await remote.close();
    }
  });
});
