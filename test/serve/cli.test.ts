import * as assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { Command } from 'commander';
import { serveCommand } from '../../src/cli/commands/serve.js';
import { git, refsUnder, runCli, specRepoFrom } from '../support/specRepo.js';
import { waitFor } from './serveSupport.js';

describe('serve: the `edgeplane serve` command', function () {
  this.timeout(60_000);

  it('documents its options', async () => {
    const { code, out } = await runCli('serve', '--help');
    assert.equal(code, 0);
    for (const option of ['--config', '--repo', '--ref', '--token-file', '--port', '--host', '--schedule']) assert.ok(out.includes(option), option);
    assert.ok(!/--(webhook-)?secret\b/.test(out), 'no credential option');
  });

  it('refuses a bad configuration with every problem and exit code 2', async () => {
    const { code, err } = await runCli('serve', '--repo', '.', '--schedule', 'every minute', '--mode', 'sideways');
    assert.equal(code, 2);
    assert.match(err, /not a cron expression/);
    assert.match(err, /--mode must be branch or folder, not "sideways"/);
  });

  it('serves a local spec repo until SIGTERM, then stops cleanly', async () => {
    const repo = specRepoFrom('demo');
    const previous = process.env['EDGEPLANE_LOG_LEVEL'];
    process.env['EDGEPLANE_LOG_LEVEL'] = 'silent';
    const signals = new EventEmitter();
    let err = '';
    const io = { out: () => undefined, err: (text: string) => (err += text), isTTY: false };
    const program = new Command().exitOverride().addCommand(serveCommand(io, () => undefined, signals));
    try {
      const running = program.parseAsync(['node', 'edgeplane', 'serve', '--repo', repo, '--port', '0', '--schedule', 'off']);
      const url = (await waitFor(() => /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(err)?.[1], 20_000, 'the listening line'))!;
      assert.equal((await fetch(`${url}/healthz`)).status, 200);
      await waitFor(async () => refsUnder(repo, 'refs/heads/edgeplane/').size === 7, 30_000, 'the demo fleet published into the local repo');
      signals.emit('SIGTERM');
      await running;
      await assert.rejects(fetch(`${url}/healthz`), 'the port is closed');
      assert.equal(signals.listenerCount('SIGTERM'), 0);
      assert.match(git(repo, 'log', '-1', '--format=%B', 'refs/heads/edgeplane/kiruna'), /Edgeplane-Source: /);
    } finally {
      if (previous === undefined) delete process.env['EDGEPLANE_LOG_LEVEL'];
      else process.env['EDGEPLANE_LOG_LEVEL'] = previous;
    }
  });
});
