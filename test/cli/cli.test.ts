import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { git, refsUnder, runCli, specRepoFrom, tempDir } from '../support/specRepo.js';

describe('the edgeplane CLI', () => {
  it('has --help for the program and every command', async () => {
    const top = await runCli('--help');
    assert.equal(top.code, 0);
    for (const command of ['init', 'validate', 'plan', 'reconcile', 'demo']) {
      assert.match(top.out, new RegExp(`^  ${command}\\b`, 'm'));
      const help = await runCli(command, '--help');
      assert.equal(help.code, 0, command);
      assert.match(help.out, new RegExp(`Usage: edgeplane ${command}`));
    }
  });

  it('rejects an unknown command or option with exit code 2', async () => {
    assert.equal((await runCli('reconcil')).code, 2);
    assert.equal((await runCli('reconcile', '--frobnicate')).code, 2);
    const badMode = await runCli('reconcile', '--repo', specRepoFrom('demo'), '--mode', 'tree');
    assert.equal(badMode.code, 2);
    assert.match(badMode.err, /--mode must be branch or folder/);
  });

  it('validate says ok for a good spec', async () => {
    const result = await runCli('validate', '--repo', specRepoFrom('demo'));
    assert.equal(result.code, 0, result.err);
    assert.equal(result.out, 'ok: 7 locations, 3 placements, no problems.\n');
  });

  it('a repo path that is not a repository is a clear failure', async () => {
    const result = await runCli('validate', '--repo', tempDir());
    assert.equal(result.code, 2);
    assert.match(result.err, /is not a Git repository/);
  });

  it('init scaffolds a committed, valid spec repo with editor schema modelines', async () => {
    const dir = path.join(tempDir(), 'fleet');
    const result = await runCli('init', dir);
    assert.equal(result.code, 0, result.err);
    assert.match(fs.readFileSync(path.join(dir, 'inventory/europe.yaml'), 'utf8'), /^# yaml-language-server: \$schema=\.\.\/\.edgeplane\/schemas\/location\.schema\.json\n/);
    assert.match(fs.readFileSync(path.join(dir, 'edgeplane.yaml'), 'utf8'), /^# yaml-language-server: \$schema=\.edgeplane\/schemas\/settings\.schema\.json\n/);
    const schema = JSON.parse(fs.readFileSync(path.join(dir, '.edgeplane/schemas/edgeplacement.schema.json'), 'utf8'));
    assert.equal(schema.properties.kind.const, 'EdgePlacement');
    assert.equal(git(dir, 'status', '--porcelain'), '', 'everything committed');
    assert.equal((await runCli('validate', '--repo', dir)).code, 0);
    const again = await runCli('init', dir);
    assert.equal(again.code, 2, 'never writes over existing files');
  });

  it('demo renders the bundled fleet into local branches and says where to look', async () => {
    const dir = path.join(tempDir(), 'demo');
    const result = await runCli('demo', '--dir', dir);
    assert.equal(result.code, 0, result.err);
    assert.match(result.out, /7 created, 0 updated, 0 unchanged, 0 retired/);
    assert.match(result.out, /Where to look:\n {2}git -C .* branch --list 'edgeplane\/\*'/);
    assert.equal(refsUnder(dir, 'refs/heads/edgeplane/').size, 7);
    // A second run recreates it; a folder edgeplane did not create is never deleted.
    assert.equal((await runCli('demo', '--dir', dir)).code, 0);
    const foreign = tempDir();
    fs.writeFileSync(path.join(foreign, 'precious.txt'), 'keep me');
    const refused = await runCli('demo', '--dir', foreign);
    assert.equal(refused.code, 2);
    assert.ok(fs.existsSync(path.join(foreign, 'precious.txt')));
  });
});
