import { strict as assert } from 'node:assert';
import type { Plan } from '../../src/plan/planChanges.js';
import { gitdirOf, imageAt, minutes, report, rolloutFleetFiles, rolloutFleetRepo, run, SITES, WAVE, WAVES } from '../rollout/rolloutFleet.js';
import { refsUnder, runCli } from '../support/specRepo.js';

const T0 = new Date('2026-03-01T12:00:00Z');

describe('edgeplane plan shows rollouts', function () {
  this.timeout(120_000);

  it('says which locations the next reconcile releases and which the rollout holds, from the record and the reports', async () => {
    const dir = rolloutFleetRepo(rolloutFleetFiles('ingest:1.0', WAVES));
    const plan = async (now: Date) => {
      const before = refsUnder(gitdirOf(dir), 'refs/');
      const markdown = await runCli('plan', '--repo', dir, '--now', now.toISOString());
      assert.equal(markdown.code, 0, markdown.err);
      const json = await runCli('plan', '--repo', dir, '--now', now.toISOString(), '--format', 'json');
      assert.deepEqual(refsUnder(gitdirOf(dir), 'refs/'), before, 'plan writes nothing');
      return { out: markdown.out, json: JSON.parse(json.out) as Plan };
    };

    // No record yet: the reconcile would start the rollout and release wave one only.
    const first = await plan(T0);
    assert.match(first.out, /### Rollouts\n\n#### `telemetry`: Progressing, wave 1\/3 `one`, batch 1 \(released\)\n\n/);
    assert.match(first.out, /- recorded on `edgeplane-rollouts`: nothing for revision `\w{12}`: this reconcile starts its rollout\n/);
    assert.ok(first.out.includes(`- gets the new revision in this reconcile (5): ${WAVE.one.join(', ')}\n`), first.out);
    assert.match(first.out, /- on the new revision after it: 5; held by the rollout at what they run \(25\): site-05, site-06, .* and 5 more\n/);
    assert.match(first.out, /### site-00 \(create\)\n\n\| \| object \|\n\| --- \| --- \|\n\| \+ \| telemetry: configmap telemetry\/ingest \|/);
    assert.doesNotMatch(first.out, /### site-05 \(create\)\n\n\| \| object/, 'a held location gets no telemetry object');
    const [preview] = first.json.rollouts;
    assert.equal(preview!.recorded, undefined);
    assert.deepEqual(preview!.releasedNow, WAVE.one);
    assert.deepEqual(preview!.held, [...WAVE.two, ...WAVE.three]);

    await run(dir, T0);
    assert.deepEqual(SITES.filter((s) => imageAt(dir, s) === 'ingest:1.0'), WAVE.one, 'the reconcile did what plan said');

    // Wave one healthy, then soaked: plan follows the gates at --now.
    let now = minutes(T0, 11);
    await report(dir, SITES, 'Healthy', now);
    await run(dir, now);
    const soaking = await plan(minutes(now, 5));
    assert.match(soaking.out, /#### `telemetry`: Progressing, wave 1\/3 `one`, batch 1 \(released\)\n\n- recorded on `edgeplane-rollouts`: Progressing, wave 1\/3 `one`, batch 1 \(released\): wave one soaking until 2026-03-01T12:21:00\.000Z \(soak 10m\)\n- after this reconcile: wave one soaking until 2026-03-01T12:21:00\.000Z \(soak 10m\) \(5m of 10m, 5m left\)\n- gets the new revision in this reconcile \(0\): none\n/);
    assert.match(soaking.out, /No location changes \(30 unchanged\)/);

    now = minutes(now, 11);
    const soaked = await plan(now);
    assert.match(soaked.out, /#### `telemetry`: Progressing, wave 2\/3 `two`, batch 1 \(released\)\n/);
    assert.ok(soaked.out.includes(`- gets the new revision in this reconcile (10): ${WAVE.two.join(', ')}\n`), soaked.out);
    assert.match(soaked.out, /held by the rollout at what they run \(15\)/);
    assert.match(soaked.out, /10 location\(s\) change, 20 unchanged/);
    for (const site of WAVE.two) assert.match(soaked.out, new RegExp(`### ${site} \\(update\\)\\n\\n\\| \\| object \\|\\n\\| --- \\| --- \\|\\n\\| \\+ \\| telemetry: configmap telemetry/ingest \\|`));
    assert.deepEqual(soaked.json.rollouts[0]!.recorded?.wave, 0);
    assert.deepEqual(soaked.json.rollouts[0]!.next.wave, 1);

    const result = await run(dir, now);
    assert.deepEqual([...result.updated].sort(), WAVE.two, 'the reconcile released what plan said');
  });

  it('rejects a --now that is not a time', async () => {
    const dir = rolloutFleetRepo(rolloutFleetFiles('ingest:1.0', WAVES));
    const result = await runCli('plan', '--repo', dir, '--now', 'tomorrow');
    assert.equal(result.code, 2);
    assert.match(result.err, /--now tomorrow is not a time \(use ISO 8601/);
  });
});
