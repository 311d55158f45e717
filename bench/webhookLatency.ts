/**
 * Push-to-branch latency of `edgeplane serve`: the time from a forge's push webhook arriving to every location
 * branch carrying the pushed spec on the remote. Everything is real and local: the generated fleet's spec repo
 * on a `git http-backend` server (127.0.0.1), the service with its HTTP endpoint, queue, reconcile and push, a
 * GitHub-signed webhook per push. The clock starts when the webhook is sent (after the `git push` of the spec,
 * which is the forge's business) and stops when the last location ref on the server has moved, read from the
 * server's repository on disk.
 *
 * Call `measureWebhookLatency()` from the benchmark; `node dist/bench/webhookLatency.js [locations] [samples]`
 * runs it alone.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadServeSettings } from '../src/serve/config.js';
import { createLogger } from '../src/serve/logger.js';
import { EdgeplaneService } from '../src/serve/service.js';
import { hmacHex } from '../src/serve/webhook.js';
import { createBareRepo, startGitServer } from '../test/support/gitServer.js';
import { changeEverywhere, generateFleet, writeSpecRepo } from './fleet.js';

const execFileAsync = promisify(execFile);

export interface WebhookLatencyOptions {
  /** Locations of the generated fleet. Default 100. */
  locations?: number;
  /** Measured pushes. Default 30. */
  samples?: number;
  /** Pushes before measuring (JIT, caches). Default 3. */
  warmup?: number;
}

export interface WebhookLatencyResult {
  locations: number;
  samples: number;
  p50Ms: number;
  p99Ms: number;
  minMs: number;
  maxMs: number;
  meanMs: number;
  /** Reconciles the service ran per push (1: every webhook served by exactly one run). */
  reconcilesPerPush: number;
}

const USER = 'bench';
const TOKEN = 'bench-token';
const SECRET = 'bench-webhook-secret';

/** Runs the measurement; cleans up its temporary folders and servers. */
export async function measureWebhookLatency(options: WebhookLatencyOptions = {}): Promise<WebhookLatencyResult> {
  const locations = options.locations ?? 100;
  const samples = options.samples ?? 30;
  const warmup = options.warmup ?? 3;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'edgeplane-bench-latency-'));
  const server = await startGitServer({ root: path.join(root, 'server'), user: USER, token: TOKEN });
  let service: EdgeplaneService | undefined;
  try {
    const bare = await createBareRepo(path.join(root, 'server'), 'spec.git');
    const work = path.join(root, 'work');
    const fleet = generateFleet({ locations });
    await writeSpecRepo(work, fleet);
    const push = () => execFileAsync('git', ['push', '-q', server.authUrl('spec.git'), 'HEAD:refs/heads/main'], { cwd: work });
    await push();

    const settings = loadServeSettings(
      { repo: server.url('spec.git'), port: 0, host: '127.0.0.1', schedule: 'off', cacheDir: path.join(root, 'cache') },
      { EDGEPLANE_WEBHOOK_SECRET: SECRET },
    );
    let reconciles = 0;
    service = await EdgeplaneService.start({
      settings,
      env: { EDGEPLANE_GIT_TOKEN: TOKEN, EDGEPLANE_GIT_USERNAME: USER },
      logger: createLogger({ level: process.env['EDGEPLANE_BENCH_LOG'] ?? 'silent' }),
      onReconciled: (outcome) => {
        if (outcome.result) reconciles++;
      },
    });
    await waitUntil(() => reconciles > 0, 120_000);
    await service.queue.whenIdle();
    const names = fleet.locations.map((l) => l.name);
    const missing = names.filter((_, n) => readRefs(bare, names)[n] === undefined);
    if (missing.length > 0) throw new Error(`the first reconcile did not publish ${missing.length} location(s): ${missing.slice(0, 5).join(", ")}; refs: ${(await execFileAsync("git", ["for-each-ref", "--count=5"], { cwd: bare })).stdout}`);

    const latencies: number[] = [];
    const counted = reconciles;
    for (let i = 0; i < warmup + samples; i++) {
      await changeEverywhere(work, fleet, `https://api-${i}.example.org`);
      const sha = (await execFileAsync('git', ['rev-parse', 'HEAD'], { cwd: work })).stdout.trim();
      await push();
      const before = readRefs(bare, names);
      const body = JSON.stringify({ ref: 'refs/heads/main', after: sha, repository: { full_name: 'bench/spec', clone_url: server.url('spec.git') } });
      const started = performance.now();
      const response = await fetch(`${service.url}/webhook`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${hmacHex(SECRET, body)}` },
        body,
      });
      if (response.status !== 202) throw new Error(`webhook answered ${response.status}: ${await response.text()}`);
      await waitUntil(() => readRefs(bare, names).every((id, n) => id !== before[n]), 120_000, 2);
      const elapsed = performance.now() - started;
      if (i >= warmup) latencies.push(elapsed);
      await service.queue.whenIdle();
    }
    const sorted = [...latencies].sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
    return {
      locations,
      samples,
      p50Ms: round(at(0.5)),
      p99Ms: round(at(0.99)),
      minMs: round(sorted[0]!),
      maxMs: round(sorted[sorted.length - 1]!),
      meanMs: round(sorted.reduce((a, b) => a + b, 0) / sorted.length),
      reconcilesPerPush: round((reconciles - counted) / (warmup + samples)),
    };
  } finally {
    await service?.stop();
    await server.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

/** The commit of each location branch in a bare repository, read from its files (loose refs, then packed-refs). */
function readRefs(gitdir: string, locations: readonly string[]): (string | undefined)[] {
  let packed: Map<string, string> | undefined;
  return locations.map((name) => {
    const ref = `refs/heads/edgeplane/${name}`;
    try {
      return fs.readFileSync(path.join(gitdir, ref), 'utf8').trim();
    } catch {
      packed ??= readPackedRefs(gitdir);
      return packed.get(ref);
    }
  });
}

function readPackedRefs(gitdir: string): Map<string, string> {
  const refs = new Map<string, string>();
  try {
    for (const line of fs.readFileSync(path.join(gitdir, 'packed-refs'), 'utf8').split('\n')) {
      const match = /^([0-9a-f]{40}) (\S+)$/.exec(line);
      if (match) refs.set(match[2]!, match[1]!);
    }
  } catch {
    // No packed refs.
  }
  return refs;
}

async function waitUntil(check: () => boolean, timeoutMs: number, pollMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const [locations, samples] = process.argv.slice(2).map(Number);
  measureWebhookLatency({ ...(locations ? { locations } : {}), ...(samples ? { samples } : {}) }).then(
    (result) => process.stdout.write(`${JSON.stringify(result)}\n`),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
