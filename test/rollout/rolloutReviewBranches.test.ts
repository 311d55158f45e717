import { strict as assert } from 'node:assert';
import { reconcile } from '../../src/reconcile/reconcile.js';
import { startForgeServer } from '../support/forgeServer.js';
import { createBareRepo, startGitServer } from '../support/gitServer.js';
import { fsck, git, gitAsync, tempDir } from '../support/specRepo.js';
import { change, gitdirOf, minutes, recordOf, rolloutFleetFiles, rolloutFleetRepo, run, SITES, WAVE, WAVES } from './rolloutFleet.js';

const T0 = new Date('2026-03-01T12:00:00Z');
const TOKEN = 'ghp_reviewBranches0123456789abcdefABCD';
const TOKEN_ENV = 'EDGEPLANE_TEST_REVIEW_BRANCHES_TOKEN';
const GIT_USER = 'fleet-bot';
const GIT_TOKEN = 'git-token-review-7c1e';
const CONFIGMAP = 'telemetry/configmap_telemetry_ingest.yaml';

const forgeSettings = (apiUrl: string) => `  forge: {type: github, url: "${apiUrl}", owner: octo-org, repo: fleet, tokenEnv: ${TOKEN_ENV}}\n`;
/** The head commit of a pull request, as the forge's REST API reports it. */
async function headSha(apiUrl: string, number: number): Promise<string> {
  const response = await fetch(`${apiUrl}/repos/octo-org/fleet/pulls/${number}`, { headers: { authorization: `Bearer ${TOKEN}`, accept: 'application/vnd.github+json' } });
  return ((await response.json()) as { head: { sha: string } }).head.sha;
}
const image = (text: string) => /image: "?([^"\n]+)"?/.exec(text)?.[1] ?? null;

describe('rollout review branches: on a remote output, and in folder mode', function () {
  this.timeout(120_000);
  before(() => (process.env[TOKEN_ENV] = TOKEN));
  after(() => delete process.env[TOKEN_ENV]);

  it('a remote output gets the review branch by push; the forge serving it opens, merges, and a replaced rollout moves the branch forward only', async () => {
    const root = tempDir('edgeplane-review-remote-');
    const bare = await createBareRepo(root, 'fleet.git');
    const server = await startGitServer({ root, user: GIT_USER, token: GIT_TOKEN });
    const forge = await startForgeServer({ gitdir: bare, owner: 'octo-org', repo: 'fleet', token: TOKEN });
    try {
      const review = WAVES + '    review: pullRequest\n';
      const dir = rolloutFleetRepo(rolloutFleetFiles('ingest:1.0', review, forgeSettings(forge.apiUrl)));
      const cacheDir = tempDir('edgeplane-review-cache-');
      const output = { repo: server.url('fleet.git'), auth: { username: GIT_USER, token: GIT_TOKEN } };
      const remoteRun = (now: Date) => reconcile({ source: { repo: dir, cacheDir }, output, now });
      const remoteImage = async (site: string) => image(await gitAsync(bare, 'show', `refs/heads/edgeplane/${site}:${CONFIGMAP}`).catch(() => ''));

      await remoteRun(T0);
      let pulls = forge.pullRequests();
      assert.equal(pulls.length, 1);
      assert.deepEqual([pulls[0]!.head, pulls[0]!.base], ['edgeplane-rollout/telemetry/one', 'edgeplane-rollouts']);
      const first = (await gitAsync(bare, 'rev-parse', 'refs/heads/edgeplane-rollout/telemetry/one')).trim();
      assert.equal(await headSha(forge.apiUrl, pulls[0]!.number), first, 'the forge sees the pushed branch');
      assert.equal((await gitAsync(bare, 'diff', '--name-only', 'edgeplane-rollouts...edgeplane-rollout/telemetry/one')).trim(), 'plans/telemetry/one.md');

      await forge.merge(pulls[0]!.number, { by: 'release-manager' });
      const released = await remoteRun(minutes(T0, 1));
      assert.deepEqual(recordOf(released).approvals.map((a) => a.by), ['release-manager'], 'the merge on the remote is read back');
      for (const site of SITES) assert.equal(await remoteImage(site), WAVE.one.includes(site) ? 'ingest:1.0' : null, site);

      // A new revision starts again at wave one: the branch of the same name moves forward, never forced.
      change(dir, rolloutFleetFiles('ingest:2.0', review, forgeSettings(forge.apiUrl)));
      await remoteRun(minutes(T0, 2));
      pulls = forge.pullRequests();
      assert.equal(pulls.length, 2);
      const second = (await gitAsync(bare, 'rev-parse', 'refs/heads/edgeplane-rollout/telemetry/one')).trim();
      await gitAsync(bare, 'merge-base', '--is-ancestor', first, second);
      assert.equal(await headSha(forge.apiUrl, pulls[1]!.number), second);
      assert.equal((await gitAsync(bare, 'diff', '--name-only', 'edgeplane-rollouts...edgeplane-rollout/telemetry/one')).trim(), 'plans/telemetry/one.md', 'the pull request shows the wave plan only');
      assert.match(await gitAsync(bare, 'show', 'refs/heads/edgeplane-rollout/telemetry/one:plans/telemetry/one.md'), /\| ~ \| telemetry: configmap telemetry\/ingest \|/);
      assert.deepEqual(forge.violations, []);
      fsck(bare);
    } finally {
      await forge.stop();
      await server.close();
    }
  });

  it('in folder mode the pull request is the release: the wave folders at the new revision on the folder branch, kept up to date, merged', async () => {
    const folderMode = (files: Record<string, string>) => {
      const monitoring = (level: string) => ({
        'placements/monitoring.yaml': 'apiVersion: edgeplane.io/v1alpha1\nkind: EdgePlacement\nmetadata: {name: monitoring}\nspec:\n  locationSelectors: [{matchLabels: {tier: station}}]\n  workloads: [{path: workloads/monitoring}]\n',
        'workloads/monitoring/config.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: agent, namespace: monitoring}\ndata: {level: ${level}}\n`,
      });
      return (level: string) => ({ ...files, ...monitoring(level), 'edgeplane.yaml': files['edgeplane.yaml']!.replace('mode: branch', 'mode: folder') });
    };
    const review = WAVES + '    review: pullRequest\n';
    const placement = rolloutFleetFiles('ingest:1.0', review)['placements/telemetry.yaml']!;
    const dir = rolloutFleetRepo({ ...folderMode(rolloutFleetFiles('ingest:1.0', review))('info'), 'placements/telemetry.yaml': placement.slice(0, placement.indexOf('  rollout:\n')) });
    await run(dir, T0);
    const gitdir = gitdirOf(dir);
    const folderImage = (site: string, ref = 'edgeplane-locations') => image(git(gitdir, 'show', `${ref}:locations/${site}/${CONFIGMAP}`));
    assert.ok(SITES.every((s) => folderImage(s) === 'ingest:1.0'));

    const forge = await startForgeServer({ gitdir, owner: 'octo-org', repo: 'fleet', token: TOKEN });
    try {
      change(dir, folderMode(rolloutFleetFiles('ingest:2.0', review, forgeSettings(forge.apiUrl)))('info'));
      await run(dir, minutes(T0, 1));
      const [pull] = forge.pullRequests();
      assert.deepEqual([pull!.head, pull!.base], ['edgeplane-rollout/telemetry/one', 'edgeplane-locations']);
      assert.match(pull!.body ?? '', /This pull request's diff is the release itself: merging it writes the 5 location folder\(s\)/);
      const diff = () => git(gitdir, 'diff', '--name-only', 'edgeplane-locations...edgeplane-rollout/telemetry/one').split('\n').filter(Boolean);
      // The README names the source commit; the placement record and the ConfigMap carry the new revision.
      const expected = WAVE.one.flatMap((s) => [`locations/${s}/.edgeplane/placement.yaml`, `locations/${s}/README.md`, `locations/${s}/${CONFIGMAP}`]).sort();
      assert.deepEqual(diff(), expected, 'the diff is the real change of the wave folders, nothing else');
      assert.ok(WAVE.one.every((s) => folderImage(s, 'edgeplane-rollout/telemetry/one') === 'ingest:2.0'));
      assert.ok(SITES.every((s) => folderImage(s) === 'ingest:1.0'), 'nothing released before the merge');

      // Another placement changes everywhere while the wave waits: the review branch follows the folder branch.
      change(dir, folderMode(rolloutFleetFiles('ingest:2.0', review, forgeSettings(forge.apiUrl)))('debug'));
      await run(dir, minutes(T0, 2));
      const folderHead = git(gitdir, 'rev-parse', 'edgeplane-locations').trim();
      assert.equal(git(gitdir, 'rev-parse', 'edgeplane-rollout/telemetry/one^1').trim(), folderHead, 'on top of the new folder branch');
      assert.deepEqual(diff(), expected);
      assert.equal(forge.pullRequests().length, 1, 'the same pull request');

      await forge.merge(pull!.number, { by: 'release-manager' });
      const merged = git(gitdir, 'rev-parse', 'edgeplane-locations').trim();
      assert.deepEqual(SITES.filter((s) => folderImage(s) === 'ingest:2.0'), WAVE.one, 'merging is the release');
      assert.match(git(gitdir, 'show', `edgeplane-locations:locations/site-00/monitoring/configmap_monitoring_agent.yaml`), /level: debug/);
      const after = await run(dir, minutes(T0, 3));
      assert.deepEqual(recordOf(after).approvals.map((a) => [a.wave, a.by]), [[0, 'release-manager']]);
      assert.ok(recordOf(after).batchReleased);
      assert.equal(git(gitdir, 'rev-parse', 'edgeplane-locations').trim(), merged, 'the reconcile after the merge has nothing left to write');
      assert.deepEqual(forge.violations, []);
      fsck(gitdir);
    } finally {
      await forge.stop();
    }
  });
});

