import * as assert from 'node:assert/strict';
import { preferredShards } from '../../src/serve/shardAssignment.js';
import { ShardCoordinator } from '../../src/serve/shardCoordinator.js';
import { FakeClock } from './fakeClock.js';
import { MemoryLeases } from './memoryLeases.js';

const SHARDS = 16;
const TIMING = { leaseDurationMs: 15_000, renewIntervalMs: 5_000, retryPeriodMs: 1_000 };

interface Replica {
  id: string;
  coordinator: ShardCoordinator;
  peerTriggers: string[];
}

function replica(id: string, leases: MemoryLeases, clock: FakeClock): Replica {
  const peerTriggers: string[] = [];
  const coordinator = new ShardCoordinator({
    leases,
    clock,
    identity: id,
    group: 'edgeplane',
    shards: SHARDS,
    ...TIMING,
    onPeerTrigger: (detail) => peerTriggers.push(detail),
  });
  return { id, coordinator, peerTriggers };
}

/** No shard is owned by two replicas at the same moment. */
function assertExclusive(replicas: readonly Replica[]): void {
  const seen = new Map<number, string>();
  for (const r of replicas) {
    for (const shard of r.coordinator.owned()) {
      assert.ok(!seen.has(shard), `shard ${shard} owned by both ${seen.get(shard)} and ${r.id}`);
      seen.set(shard, r.id);
    }
  }
}

/** Advances time in retry-period steps, checking exclusivity after every step; returns when `done` holds. */
async function runUntil(clock: FakeClock, replicas: readonly Replica[], done: () => boolean, limitMs: number): Promise<number> {
  const start = clock.now();
  while (!done()) {
    if (clock.now() - start > limitMs) assert.fail(`not settled within ${limitMs} ms`);
    await clock.advance(250);
    assertExclusive(replicas);
  }
  return clock.now() - start;
}

function covers(replicas: readonly Replica[]): boolean {
  const owned = replicas.flatMap((r) => [...r.coordinator.owned()]);
  return owned.length === SHARDS && new Set(owned).size === SHARDS;
}

function balanced(replicas: readonly Replica[]): boolean {
  const members = replicas.map((r) => r.id);
  return covers(replicas) && replicas.every((r) => sameSet(r.coordinator.owned(), preferredShards(SHARDS, members, r.id)));
}

function sameSet(a: ReadonlySet<number>, b: ReadonlySet<number>): boolean {
  return a.size === b.size && [...a].every((x) => b.has(x));
}

describe('serve: shard coordinator (lease loop)', () => {
  it('a single replica owns every shard and is the elected one after one round', async () => {
    const clock = new FakeClock();
    const leases = new MemoryLeases();
    const a = replica('edgeplane-0', leases, clock);
    await a.coordinator.tick();
    assert.equal(a.coordinator.owned().size, SHARDS);
    assert.equal(a.coordinator.isLeader(), true);
    assert.equal(leases.records.get('edgeplane-member-edgeplane-0')?.holder, 'edgeplane-0');
    assert.equal(a.coordinator.snapshot().ready, true);
  });

  for (const count of [2, 3]) {
    it(`${count} replicas split the shards as rendezvous hashing prefers, never owning one twice`, async () => {
      const clock = new FakeClock();
      const leases = new MemoryLeases();
      const replicas = Array.from({ length: count }, (_, i) => replica(`edgeplane-${i}`, leases, clock));
      // They start one after the other, as pods do: the first takes everything, then hands shards over.
      for (const r of replicas) {
        r.coordinator.start();
        await clock.advance(700);
      }
      const took = await runUntil(clock, replicas, () => balanced(replicas), 10_000);
      assert.ok(took <= 3 * TIMING.retryPeriodMs, `balanced after ${took} ms`);
      assert.equal(replicas.filter((r) => r.coordinator.isLeader()).length, 1);
      assert.ok(replicas.every((r) => r.coordinator.owned().size > 0));
      // And it stays so: renewals keep the same owners.
      for (let i = 0; i < 40; i++) {
        await clock.advance(1000);
        assertExclusive(replicas);
        assert.ok(balanced(replicas));
      }
      for (const r of replicas) await r.coordinator.stop();
    });
  }

  it('a replica that dies loses its shards to the others within the lease duration (plus the polling delay)', async () => {
    const clock = new FakeClock();
    const leases = new MemoryLeases();
    const replicas = ['edgeplane-0', 'edgeplane-1', 'edgeplane-2'].map((id) => replica(id, leases, clock));
    for (const r of replicas) r.coordinator.start();
    await runUntil(clock, replicas, () => balanced(replicas), 10_000);
    const [dead, ...alive] = replicas as [Replica, Replica, Replica];
    const orphaned = dead.coordinator.owned();
    assert.ok(orphaned.size > 0);
    // A crash: the loop stops without handing anything back.
    await dead.coordinator.stop({ release: false });
    const lastRenewal = Math.max(...[...leases.records.values()].filter((r) => r.holder === dead.id).map((r) => Date.parse(r.renewTime!)));
    const killedAt = clock.now();
    await runUntil(clock, alive, () => balanced(alive), 60_000);
    const handover = clock.now() - killedAt;
    assert.ok(handover > TIMING.leaseDurationMs - TIMING.renewIntervalMs, `no takeover before the lease could expire (${handover} ms)`);
    assert.ok(clock.now() - lastRenewal <= TIMING.leaseDurationMs + 2 * TIMING.retryPeriodMs, `taken over ${clock.now() - lastRenewal} ms after the last renewal`);
    for (const shard of orphaned) assert.ok(alive.some((r) => r.coordinator.owned().has(shard)));
    for (const r of alive) await r.coordinator.stop();
  });

  it('a replica that stops gracefully hands its shards over within two retry periods', async () => {
    const clock = new FakeClock();
    const leases = new MemoryLeases();
    const replicas = ['edgeplane-0', 'edgeplane-1'].map((id) => replica(id, leases, clock));
    for (const r of replicas) r.coordinator.start();
    await runUntil(clock, replicas, () => balanced(replicas), 10_000);
    await replicas[0]!.coordinator.stop();
    const took = await runUntil(clock, [replicas[1]!], () => replicas[1]!.coordinator.owned().size === SHARDS, 10_000);
    assert.ok(took <= 2 * TIMING.retryPeriodMs, `${took} ms`);
    await replicas[1]!.coordinator.stop();
  });

  it('does not hand over a shard while a reconcile is using it', async () => {
    const clock = new FakeClock();
    const leases = new MemoryLeases();
    const a = replica('edgeplane-0', leases, clock);
    a.coordinator.start();
    await clock.advance(10);
    const checkout = a.coordinator.checkout();
    assert.equal(checkout.shards.size, SHARDS);
    const b = replica('edgeplane-1', leases, clock);
    b.coordinator.start();
    for (let i = 0; i < 60; i++) {
      await clock.advance(1000);
      assertExclusive([a, b]);
      assert.equal(a.coordinator.owned().size, SHARDS, 'a keeps (and renews) every shard it is using');
    }
    checkout.done();
    await runUntil(clock, [a, b], () => balanced([a, b]), 5_000);
    await a.coordinator.stop();
    await b.coordinator.stop();
  });

  it('a replica cut off from the API server stops owning its shards when their leases can expire elsewhere', async () => {
    const clock = new FakeClock();
    const leases = new MemoryLeases();
    const errors: unknown[] = [];
    const a = new ShardCoordinator({ leases, clock, identity: 'edgeplane-0', group: 'edgeplane', shards: SHARDS, ...TIMING, onError: (e) => errors.push(e) });
    a.start();
    await clock.advance(10);
    const renewedAt = clock.now();
    assert.equal(a.owned().size, SHARDS);
    leases.down = true;
    await clock.advance(TIMING.leaseDurationMs - 100);
    assert.equal(a.owned().size, SHARDS, 'still owned just before the lease can expire');
    await clock.advance(200);
    assert.equal(a.owned().size, 0, `not owned ${clock.now() - renewedAt} ms after the last renewal`);
    assert.equal(a.isLeader(), false);
    assert.ok(errors.length > 5);
    leases.down = false;
    await clock.advance(2000);
    assert.equal(a.owned().size, SHARDS, 'takes its shards back when the API server returns');
    await a.stop();
  });

  it('broadcast() reaches every other replica once, within one retry period', async () => {
    const clock = new FakeClock();
    const leases = new MemoryLeases();
    const replicas = ['edgeplane-0', 'edgeplane-1', 'edgeplane-2'].map((id) => replica(id, leases, clock));
    for (const r of replicas) r.coordinator.start();
    await clock.advance(3000);
    await replicas[1]!.coordinator.broadcast('push to refs/heads/main');
    await clock.advance(TIMING.retryPeriodMs + 10);
    assert.deepEqual(replicas.map((r) => r.peerTriggers.length), [1, 0, 1]);
    assert.match(replicas[0]!.peerTriggers[0]!, /edgeplane-1: push to refs\/heads\/main/);
    await clock.advance(10_000);
    assert.deepEqual(replicas.map((r) => r.peerTriggers.length), [1, 0, 1], 'once');
    for (const r of replicas) await r.coordinator.stop();
  });

  it('the elected replica deletes the member leases of replicas long gone, and only those', async () => {
    const clock = new FakeClock();
    const leases = new MemoryLeases();
    const replicas = ['edgeplane-0', 'edgeplane-1', 'edgeplane-2'].map((id) => replica(id, leases, clock));
    for (const r of replicas) r.coordinator.start();
    await runUntil(clock, replicas, () => balanced(replicas), 10_000);
    const dead = replicas.find((r) => !r.coordinator.isLeader())!;
    await dead.coordinator.stop({ release: false });
    const alive = replicas.filter((r) => r !== dead);
    await clock.advance(5 * TIMING.leaseDurationMs);
    assert.ok(leases.records.has(`edgeplane-member-${dead.id}`), 'kept for a while');
    await clock.advance(6 * TIMING.leaseDurationMs);
    assert.ok(!leases.records.has(`edgeplane-member-${dead.id}`), 'deleted after ten lease durations');
    for (const r of alive) assert.ok(leases.records.has(`edgeplane-member-${r.id}`));
    for (const r of alive) await r.coordinator.stop();
  });

  it('refuses an identity that cannot be part of a lease name', () => {
    assert.throws(() => replica('Edgeplane_0', new MemoryLeases(), new FakeClock()), /DNS-1123/);
  });
});
