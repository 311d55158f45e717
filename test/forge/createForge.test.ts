import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EdgeplaneError } from '../../src/errors/edgeplaneError.js';
import { createForge, FORGE_TYPES } from '../../src/forge/createForge.js';
import { tempDir } from '../support/specRepo.js';
import { FORGE_TOKEN, OWNER, REPO, startForgeFixture, type ForgeFixture } from './forgeFixture.js';

describe('createForge', function () {
  let fixture: ForgeFixture;

  before(async function () {
    fixture = await startForgeFixture();
  });

  after(async function () {
    await fixture?.stop();
  });

  it('refuses an unknown forge type, listing the known ones', async function () {
    await assert.rejects(createForge({ type: 'gitlab', owner: OWNER, repo: REPO }, { env: { GITHUB_TOKEN: 't' } }), (error: EdgeplaneError) => {
      assert.equal(error.code, 'BAD_ARGUMENT');
      assert.equal(error.message, 'unknown forge type "gitlab"; known types: gitea, github (use gitea for Forgejo)');
      assert.deepEqual(error.data.known, ['gitea', 'github']);
      return true;
    });
    assert.deepEqual(FORGE_TYPES, ['gitea', 'github']);
    await assert.rejects(createForge({ type: 'toString', owner: OWNER, repo: REPO }), { code: 'BAD_ARGUMENT' });
  });

  it('defaults GitHub to api.github.com and GITHUB_TOKEN', async function () {
    const forge = await createForge({ type: 'github', owner: OWNER, repo: REPO }, { env: { GITHUB_TOKEN: 'ghp_x' } });
    assert.equal(forge.description, `github ${OWNER}/${REPO} at https://api.github.com`);
  });

  it('reads the token from a file, and works with it', async function () {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'forge-token'), `${FORGE_TOKEN}\n`, { mode: 0o600 });
    const forge = await createForge({ type: 'github', url: fixture.forge.apiUrl, owner: OWNER, repo: REPO, tokenFile: 'forge-token' }, { cwd: dir });
    assert.equal(await forge.findPullRequest({ head: 'nothing', base: 'main' }), null);
    assert.deepEqual(fixture.forge.violations, []);
  });

  it('says where the token was looked for, never what it is', async function () {
    await assert.rejects(createForge({ type: 'github', owner: OWNER, repo: REPO, tokenEnv: 'FLEET_TOKEN' }, { env: {} }), (error: EdgeplaneError) => {
      assert.equal(error.code, 'AUTH');
      assert.match(error.message, /FLEET_TOKEN is not set or empty/);
      return true;
    });
    await assert.rejects(createForge({ type: 'github', owner: OWNER, repo: REPO, tokenFile: '/nonexistent/token' }), (error: EdgeplaneError) => {
      assert.equal(error.code, 'BAD_ARGUMENT');
      assert.match(error.message, /cannot read the forge token file \/nonexistent\/token \(ENOENT\)/);
      return true;
    });
    await assert.rejects(createForge({ type: 'github', owner: OWNER, repo: REPO, tokenFile: 'a', tokenEnv: 'B' }), { code: 'BAD_ARGUMENT' });
    await assert.rejects(createForge({ type: 'gitea', owner: OWNER, repo: REPO }, { env: { GITEA_TOKEN: 't' } }), (error: EdgeplaneError) => /needs a url/.test(error.message));
  });

  it('refuses URLs with credentials and bad repository names, without echoing the secret', async function () {
    const env = { GITHUB_TOKEN: 't' };
    await assert.rejects(createForge({ type: 'github', url: 'https://me:s3cret@ghe.example.com/api/v3', owner: OWNER, repo: REPO }, { env }), (error: EdgeplaneError) => {
      assert.equal(error.code, 'BAD_ARGUMENT');
      assert.ok(!error.message.includes('s3cret') && !JSON.stringify(error.data).includes('s3cret'));
      return true;
    });
    await assert.rejects(createForge({ type: 'github', owner: '../x', repo: REPO }, { env }), { code: 'BAD_ARGUMENT' });
    await assert.rejects(createForge({ type: 'github', owner: OWNER, repo: 'a/b' }, { env }), { code: 'BAD_ARGUMENT' });
    await assert.rejects(createForge({ type: 'github', owner: OWNER, repo: REPO }, { env: { GITHUB_TOKEN: 'two words' } }), (error: EdgeplaneError) => {
      assert.equal(error.code, 'BAD_ARGUMENT');
      assert.ok(!error.message.includes('two words'));
      return true;
    });
  });
});
