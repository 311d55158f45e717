/**
 * Support for the service tests: a spec repo on a real git http-backend server, a service configured against it
 * on 127.0.0.1, signed webhook requests, and polling with a bound.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { loadServeSettings, type ServeSettings } from '../../src/serve/config.js';
import { createLogger } from '../../src/serve/logger.js';
import { EdgeplaneService, type RunOutcome, type ServiceOptions } from '../../src/serve/service.js';
import { hmacHex } from '../../src/serve/webhook.js';
import { createBareRepo, startGitServer, type GitServer } from '../support/gitServer.js';
import { gitAsync, ROOT, tempDir } from '../support/specRepo.js';

export const GIT_USER = 'edgeplane';
export const GIT_TOKEN = 'git-token-5d1c3f0b9a';
export const WEBHOOK_SECRET = 'webhook-secret-8e2f47aa';
export const TRIGGER_TOKEN = 'trigger-token-c0ffee42';

/** Polls `check` every 20 ms until it returns a truthy value; fails after `timeoutMs`. */
export async function waitFor<T>(check: () => T | Promise<T>, timeoutMs: number, what: string): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A generated fleet: `count` locations `store-000…`, one placement with a per-location ConfigMap. */
export function fleetFiles(count: number, version: string): Record<string, string> {
  const locations = Array.from({ length: count }, (_, i) => {
    const name = `store-${String(i).padStart(3, '0')}`;
    return `apiVersion: edgeplane.io/v1alpha1\nkind: Location\nmetadata:\n  name: ${name}\n  labels: {tier: store, zone: z${i % 4}}\nspec:\n  params: {lane: ${i}}\n`;
  });
  return {
    'edgeplane.yaml': 'apiVersion: edgeplane.io/v1alpha1\nkind: Settings\nspec:\n  output: {repo: self, mode: branch}\n',
    'inventory/stores.yaml': locations.join('---\n'),
    'placements/shop.yaml':
      'apiVersion: edgeplane.io/v1alpha1\nkind: EdgePlacement\nmetadata:\n  name: shop\nspec:\n  locationSelectors:\n  - matchLabels: {tier: store}\n  workloads:\n  - path: workloads/shop\n',
    'workloads/shop/namespace.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n',
    'workloads/shop/config.yaml.hbs': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shop\n  namespace: shop\ndata:\n  store: {{location.name}}\n  lane: "{{location.params.lane}}"\n  version: "${version}"\n`,
  };
}

/** A git server with `spec.git`, pushed from a work tree the test keeps changing. */
export interface SpecRemote {
  server: GitServer;
  /** The bare repository on disk (what the server serves). */
  bare: string;
  /** A clone to commit and push from. */
  work: string;
  url: string;
  /** Writes files, commits and pushes to main; resolves to the new commit. */
  push(files: Record<string, string | null>, message?: string): Promise<string>;
  close(): Promise<void>;
}

export async function startSpecRemote(files: Record<string, string>, extraBranches: string[] = []): Promise<SpecRemote> {
  const root = tempDir('edgeplane-serve-git-');
  const bare = await createBareRepo(root, 'spec.git');
  const server = await startGitServer({ root, user: GIT_USER, token: GIT_TOKEN });
  const work = tempDir('edgeplane-serve-work-');
  await gitAsync(work, 'init', '-q', '-b', 'main');
  const push = async (changes: Record<string, string | null>, message = 'change'): Promise<string> => {
    for (const [file, text] of Object.entries(changes)) {
      const target = path.join(work, file);
      if (text === null) fs.rmSync(target, { force: true });
      else {
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, text);
      }
    }
    await gitAsync(work, 'add', '-A');
    await gitAsync(work, 'commit', '-q', '--allow-empty', '-m', message);
    await gitAsync(work, 'push', '-q', server.authUrl('spec.git'), 'HEAD:refs/heads/main', ...extraBranches.map((b) => `HEAD:refs/heads/${b}`));
    return (await gitAsync(work, 'rev-parse', 'HEAD')).trim();
  };
  await push(files, 'spec');
  return { server, bare, work, url: server.url('spec.git'), push, close: () => server.close() };
}

/** Branch → commit of the location branches in a bare repo. */
export async function locationBranches(bare: string, prefix = 'refs/heads/edgeplane/'): Promise<Map<string, string>> {
  const out = await gitAsync(bare, 'for-each-ref', '--format=%(refname) %(objectname)', prefix);
  return new Map(
    out
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [ref, id] = line.split(' ') as [string, string];
        return [ref.slice(prefix.length), id];
      }),
  );
}

/** The environment a service of these tests runs with: credentials only there. */
export function serviceEnv(remote: SpecRemote, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    EDGEPLANE_REPO: remote.url,
    EDGEPLANE_CACHE_DIR: tempDir('edgeplane-serve-cache-'),
    EDGEPLANE_GIT_TOKEN: GIT_TOKEN,
    EDGEPLANE_GIT_USERNAME: GIT_USER,
    EDGEPLANE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    EDGEPLANE_TRIGGER_TOKEN: TRIGGER_TOKEN,
    EDGEPLANE_PORT: '0',
    EDGEPLANE_SCHEDULE: 'off',
    ...extra,
  };
}

/** A started service with its log lines and run outcomes captured. */
export interface TestService {
  service: EdgeplaneService;
  url: string;
  outcomes: RunOutcome[];
  logs: string[];
  settings: ServeSettings;
}

export async function startService(env: NodeJS.ProcessEnv, adjust: (s: ServeSettings) => void = () => undefined, options: Partial<ServiceOptions> = {}): Promise<TestService> {
  const settings = loadServeSettings({}, env);
  adjust(settings);
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const outcomes: RunOutcome[] = [];
  const logger = createLogger({ level: 'debug', destination: sink, secrets: () => [WEBHOOK_SECRET, TRIGGER_TOKEN, GIT_TOKEN] });
  const service = await EdgeplaneService.start({ settings, env, logger, onReconciled: (o) => outcomes.push(o), ...options });
  return { service, url: service.url, outcomes, logs, settings };
}

/** Headers and body of a GitHub webhook, signed with `secret`. */
export function githubRequest(event: string, payload: unknown, secret = WEBHOOK_SECRET): { headers: Record<string, string>; body: string } {
  const body = JSON.stringify(payload);
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'x-github-event': event,
      'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
      'x-hub-signature-256': `sha256=${hmacHex(secret, body)}`,
      'user-agent': 'GitHub-Hookshot/044aadd',
    },
  };
}

/** A realistic GitHub push payload for `ref` of the test spec repo. */
export function pushPayload(ref: string, after: string, url: string): Record<string, unknown> {
  return {
    ref,
    before: '0'.repeat(40),
    after,
    created: false,
    deleted: false,
    forced: false,
    repository: { full_name: 'fleet/spec', clone_url: url, html_url: url.replace(/\.git$/, '') },
    pusher: { name: 'spec-author', email: 'author@example.org' },
    commits: [],
    head_commit: null,
  };
}

export async function post(url: string, request: { headers: Record<string, string>; body: string }): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(url, { method: 'POST', headers: request.headers, body: request.body });
  const text = await response.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = { text };
  }
  return { status: response.status, json };
}

/** Runs that reconciled something (not skipped, not failed). */
export function reconciled(outcomes: readonly RunOutcome[]): RunOutcome[] {
  return outcomes.filter((o) => o.result !== undefined);
}

/** Every file of a bundled fixture (fixtures/<name>), as a record for `startSpecRemote`. */
export function fixtureFiles(name: string): Record<string, string> {
  const root = path.join(ROOT, 'fixtures', name);
  const files: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else files[path.relative(root, full).split(path.sep).join('/')] = fs.readFileSync(full, 'utf8');
    }
  };
  walk(root);
  return files;
}
