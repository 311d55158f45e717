import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { helmPath, kubectlPath, kustomizeBuild, toolsDir } from './tools.js';

const execFileAsync = promisify(execFile);

describe('test support: pinned kubectl, kustomize and helm', () => {
  let scratch: string;

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'edgeplane-tools-'));
  });

  after(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it('uses the binaries from the project cache, never from PATH', async () => {
    assert.equal(kubectlPath(), join(toolsDir(), 'kubectl'));
    assert.equal(helmPath(), join(toolsDir(), 'helm'));
    const { stdout } = await execFileAsync(kubectlPath(), ['version', '--client']);
    assert.match(stdout, /Kustomize Version: v5\./);
  });

  it('builds a kustomization', async () => {
    const dir = join(scratch, 'base');
    await mkdir(dir);
    await writeFile(
      join(dir, 'kustomization.yaml'),
      'namespace: edge\ncommonLabels: {app: demo}\nconfigMapGenerator:\n- name: settings\n  literals: [mode=edge]\n',
    );
    const output = await kustomizeBuild(dir);
    assert.match(output, /^kind: ConfigMap$/m);
    assert.match(output, /^ {2}name: settings-[a-z0-9]{10}$/m);
    assert.match(output, /^ {2}namespace: edge$/m);
  });

  it('rejects with kustomize’s own error when the build fails', async () => {
    const dir = join(scratch, 'broken');
    await mkdir(dir);
    await writeFile(join(dir, 'kustomization.yaml'), 'resources: [missing.yaml]\n');
    await assert.rejects(kustomizeBuild(dir), /missing\.yaml/);
  });

  it('renders a chart with helm template', async () => {
    const chart = join(scratch, 'chart');
    await mkdir(join(chart, 'templates'), { recursive: true });
    await writeFile(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: demo\nversion: 0.1.0\n');
    await writeFile(join(chart, 'values.yaml'), 'greeting: hello\n');
    await writeFile(
      join(chart, 'templates', 'cm.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: {{ .Release.Name }}}\ndata: {greeting: {{ .Values.greeting }}}\n',
    );
    const { stdout } = await execFileAsync(helmPath(), ['template', 'edge', chart, '--set', 'greeting=hej'], {
      env: { ...process.env, HELM_CACHE_HOME: join(scratch, 'helm-cache'), HELM_CONFIG_HOME: join(scratch, 'helm-config') },
    });
    assert.match(stdout, /name: edge/);
    assert.match(stdout, /greeting: hej/);
  });
});
