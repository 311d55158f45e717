import * as assert from 'node:assert/strict';
import { InvalidSpecError } from '../../src/errors/edgeplaneError.js';
import { backoffDelay, DEFAULT_BACKOFF, TriggerQueue, type FailureClass, type QueueRun } from '../../src/serve/triggerQueue.js';
import { FakeClock, settle } from './fakeClock.js';

/** A reconcile stand-in: each call takes `ms` of fake time and records its concurrency. */
function fakeReconcile(clock: FakeClock, ms: number, fail: (call: number) => Error | undefined = () => undefined) {
  const calls: { run: QueueRun; startedAt: number }[] = [];
  let active = 0;
  let maxActive = 0;
  const run = (queued: QueueRun) =>
    new Promise<number>((resolve, reject) => {
      calls.push({ run: queued, startedAt: clock.now() });
      active++;
      maxActive = Math.max(maxActive, active);
      const call = calls.length;
      clock.setTimer(ms, () => {
        active--;
        const error = fail(call);
        if (error) reject(error);
        else resolve(call);
      });
    });
  return { run, calls, maxActive: () => maxActive };
}

const classify = (error: unknown): FailureClass => (error instanceof InvalidSpecError ? 'terminal' : 'transient');

describe('serve: trigger queue', () => {
  it('coalesces 100 triggers arriving together into one reconcile', async () => {
    const clock = new FakeClock();
    const work = fakeReconcile(clock, 1000);
    const queue = new TriggerQueue({ run: work.run, clock });
    for (let i = 0; i < 100; i++) queue.request('webhook', `push ${i}`);
    assert.equal(queue.state.waiting, 100);
    await clock.advance(5000);
    assert.equal(work.calls.length, 1);
    assert.equal(work.calls[0]!.run.coalesced, 100);
    assert.equal(work.calls[0]!.run.triggers.length, 20, 'keeps a bounded sample of the triggers');
  });

  it('makes exactly one more reconcile for a burst that arrives while one runs', async () => {
    const clock = new FakeClock();
    const work = fakeReconcile(clock, 1000);
    const queue = new TriggerQueue({ run: work.run, clock });
    queue.request('webhook');
    await clock.advance(10);
    assert.equal(queue.state.running, true);
    for (let i = 0; i < 100; i++) {
      queue.request('webhook', `push ${i}`);
      await clock.advance(5);
    }
    await clock.advance(5000);
    assert.equal(work.calls.length, 2);
    assert.equal(work.calls[1]!.run.coalesced, 100);
    assert.equal(work.calls[1]!.startedAt, work.calls[0]!.startedAt + 1000, 'the second run starts when the first ends');
  });

  it('never overlaps reconciles, whatever the trigger pattern', async () => {
    const clock = new FakeClock();
    const work = fakeReconcile(clock, 700);
    const queue = new TriggerQueue({ run: work.run, clock, coalesceMs: 50 });
    let seed = 7;
    for (let i = 0; i < 200; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      queue.request(seed % 3 === 0 ? 'schedule' : 'webhook');
      await clock.advance(seed % 400);
    }
    await clock.advance(10_000);
    assert.equal(work.maxActive(), 1);
    // 200 triggers over ~40 s of 700 ms reconciles: far fewer runs than triggers, and every trigger served.
    assert.ok(work.calls.length < 80, `${work.calls.length} runs`);
    assert.equal(work.calls.reduce((sum, c) => sum + c.run.coalesced, 0), 200);
    assert.equal(queue.state.waiting, 0);
  });

  it('waits coalesceMs on an idle queue so that near-simultaneous triggers share a run', async () => {
    const clock = new FakeClock();
    const work = fakeReconcile(clock, 100);
    const queue = new TriggerQueue({ run: work.run, clock, coalesceMs: 200 });
    queue.request('webhook');
    await clock.advance(150);
    queue.request('webhook');
    assert.equal(work.calls.length, 0);
    await clock.advance(100);
    assert.equal(work.calls.length, 1);
    assert.equal(work.calls[0]!.run.coalesced, 2);
  });

  it('backs off exponentially after transient failures, visibly, and resets after a success', async () => {
    const clock = new FakeClock();
    const work = fakeReconcile(clock, 100, (call) => (call <= 3 ? new Error(`git fetch failed (${call})`) : undefined));
    const failures: { retryAt: number | undefined; failure: FailureClass }[] = [];
    const queue = new TriggerQueue({
      run: work.run,
      clock,
      classify,
      backoff: { initialMs: 1000, maxMs: 3000, factor: 2 },
      events: { failed: (_run, _error, failure, retryAt) => failures.push({ failure, retryAt }) },
    });
    const t0 = clock.now();
    queue.request('webhook');
    await clock.advance(100);
    assert.equal(work.calls.length, 1);
    const state = queue.state;
    assert.equal(state.consecutiveFailures, 1);
    assert.equal(state.lastError?.message, 'git fetch failed (1)');
    assert.equal(state.lastError?.class, 'transient');
    assert.equal(state.retryAt, t0 + 100 + 1000);

    // A push during the backoff does not hammer the broken remote: it waits for the retry.
    queue.request('webhook', 'impatient');
    await clock.advance(900);
    assert.equal(work.calls.length, 1);
    await clock.advance(10_000);
    assert.deepEqual(
      work.calls.map((c) => c.startedAt - t0),
      [0, 1100, 1100 + 100 + 2000, 3200 + 100 + 3000],
      'retries after 1 s, 2 s, then the 3 s cap',
    );
    assert.deepEqual(work.calls[1]!.run.triggers.map((t) => t.source).sort(), ['retry', 'webhook']);
    assert.equal(failures.length, 3);
    assert.equal(queue.state.consecutiveFailures, 0);
    assert.equal(queue.state.lastError, undefined);
    assert.equal(queue.state.retryAt, undefined);
    assert.equal(clock.pending, 0, 'nothing more is scheduled');
  });

  it('does not retry a terminal failure by itself, and runs the next trigger at once', async () => {
    const clock = new FakeClock();
    const work = fakeReconcile(clock, 100, (call) => (call === 1 ? new InvalidSpecError([]) : undefined));
    const queue = new TriggerQueue({ run: work.run, clock, classify });
    queue.request('webhook');
    await clock.advance(60_000);
    assert.equal(work.calls.length, 1);
    assert.equal(queue.state.lastError?.class, 'terminal');
    assert.equal(queue.state.retryAt, undefined);
    queue.request('webhook', 'the fix');
    await clock.advance(1);
    assert.equal(work.calls.length, 2);
  });

  it('stop() cancels a scheduled retry and waits for the run in flight', async () => {
    const clock = new FakeClock();
    const work = fakeReconcile(clock, 100, () => new Error('down'));
    const queue = new TriggerQueue({ run: work.run, clock });
    queue.request('schedule');
    await clock.advance(100);
    assert.ok(queue.state.retryAt !== undefined);
    await queue.stop();
    queue.request('webhook');
    await clock.advance(600_000);
    assert.equal(work.calls.length, 1);
  });

  it('whenIdle() resolves once the last run ends', async () => {
    const clock = new FakeClock();
    const work = fakeReconcile(clock, 100);
    const queue = new TriggerQueue({ run: work.run, clock });
    queue.request('manual');
    let idle = false;
    void queue.whenIdle().then(() => (idle = true));
    await settle();
    assert.equal(idle, false);
    await clock.advance(200);
    assert.equal(idle, true);
  });

  it('backoffDelay grows by the factor and stops at the cap', () => {
    const table: [number, number][] = [
      [1, 5_000],
      [2, 10_000],
      [3, 20_000],
      [6, 160_000],
      [7, 300_000],
      [50, 300_000],
    ];
    for (const [failures, ms] of table) assert.equal(backoffDelay(DEFAULT_BACKOFF, failures), ms, `${failures} failures`);
  });
});
