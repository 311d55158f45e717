import * as assert from 'node:assert/strict';
import { KubeConfig } from '@kubernetes/client-node';
import { kubernetesLeases, LeaseConflictError, type LeaseWrite } from '../../src/serve/leases.js';
import { startKubeApiServer, type KubeApiServer } from '../support/kubeApiServer.js';
import { tempDir } from '../support/specRepo.js';

describe('serve: Kubernetes Leases through @kubernetes/client-node', () => {
  let api: KubeApiServer;
  let kubeConfig: KubeConfig;

  before(async () => {
    api = await startKubeApiServer();
    kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(api.writeKubeconfig(tempDir()));
  });
  after(() => api?.close());

  const write = (name: string, holder: string, renewTime: number): LeaseWrite => ({
    name,
    role: 'shard',
    holder,
    durationSeconds: 15,
    acquireTime: renewTime,
    renewTime,
    transitions: 0,
  });

  it('creates, lists by group, and updates with optimistic concurrency', async () => {
    const leases = kubernetesLeases({ kubeConfig, namespace: 'default', group: 'fleet-a' });
    const other = kubernetesLeases({ kubeConfig, namespace: 'default', group: 'fleet-b' });
    const created = await leases.create(write('fleet-a-shard-0', 'replica-0', Date.UTC(2026, 0, 1, 0, 0, 0, 123)));
    await other.create(write('fleet-b-shard-0', 'replica-9', Date.UTC(2026, 0, 1)));
    assert.equal(created.holder, 'replica-0');
    assert.ok(created.resourceVersion !== '');

    // Stored as a real coordination.k8s.io/v1 Lease, MicroTime with six fractional digits.
    const stored = api.get('coordination.k8s.io/v1', 'Lease', 'default', 'fleet-a-shard-0')!;
    assert.equal(stored['spec'].holderIdentity, 'replica-0');
    assert.equal(stored['spec'].renewTime, '2026-01-01T00:00:00.123000Z');
    assert.equal(stored['metadata'].labels['edgeplane.io/lease-group'], 'fleet-a');
    assert.equal(stored['metadata'].labels['edgeplane.io/lease-role'], 'shard');

    assert.deepEqual((await leases.list()).map((l) => l.name), ['fleet-a-shard-0']);
    await assert.rejects(leases.create(write('fleet-a-shard-0', 'replica-1', Date.now())), LeaseConflictError);

    const renewed = await leases.update(write('fleet-a-shard-0', 'replica-0', Date.now()), created.resourceVersion);
    assert.notEqual(renewed.resourceVersion, created.resourceVersion);
    // A writer that read before the renewal loses.
    await assert.rejects(leases.update(write('fleet-a-shard-0', 'replica-1', Date.now()), created.resourceVersion), LeaseConflictError);
    await assert.rejects(leases.update(write('fleet-a-missing', 'replica-1', Date.now()), '1'), LeaseConflictError);
    const [listed] = await leases.list();
    assert.equal(listed!.holder, 'replica-0');
    assert.equal(listed!.durationSeconds, 15);
    assert.match(listed!.renewTime!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  });

  it('deletes a lease only at the resourceVersion it read', async () => {
    const leases = kubernetesLeases({ kubeConfig, namespace: 'default', group: 'fleet-d' });
    const created = await leases.create({ ...write('fleet-d-member-old', 'old', Date.now()), role: 'member' });
    const renewed = await leases.update({ ...write('fleet-d-member-old', 'old', Date.now()), role: 'member' }, created.resourceVersion);
    await assert.rejects(leases.remove('fleet-d-member-old', created.resourceVersion), LeaseConflictError);
    await leases.remove('fleet-d-member-old', renewed.resourceVersion);
    assert.equal(api.get('coordination.k8s.io/v1', 'Lease', 'default', 'fleet-d-member-old'), undefined);
    await assert.rejects(leases.remove('fleet-d-member-old', renewed.resourceVersion), LeaseConflictError);
  });

  it('a released lease has no holder', async () => {
    const leases = kubernetesLeases({ kubeConfig, namespace: 'default', group: 'fleet-c' });
    const held = await leases.create(write('fleet-c-leader', 'replica-0', Date.now()));
    const released = await leases.update({ ...write('fleet-c-leader', '', Date.now()), role: 'leader' }, held.resourceVersion);
    assert.equal(released.holder, undefined);
    assert.equal(api.get('coordination.k8s.io/v1', 'Lease', 'default', 'fleet-c-leader')!['spec'].holderIdentity, undefined);
  });
});
