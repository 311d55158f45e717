/**
 * `npm run bench`: edgeplane's publish path at fleet scale, measured side by side with its anchors in one run.
 *
 * For each fleet size (default 1,000 and 10,000 locations) it generates a synthetic fleet (bench/fleet.ts), commits
 * it as a real spec repo and runs the product's own `reconcile()` in a child process (reconcileChild.ts) into a
 * fresh local bare repo, then measures:
 *
 * - cold reconcile vs `git fast-import` writing the same objects and refs (stream made from the reconciled trees;
 *   only the fast-import process is timed; its refs must come out identical, commit ids included);
 * - per-location cost vs `kubectl kustomize` of the equivalent overlay, for a sample of locations (median);
 * - a reconcile with nothing changed, one after a change at 1% of the locations, one after a change everywhere;
 * - pushing every location branch to a `git http-backend` remote with the product's push (`pushRefs`) vs one
 *   system `git push` of the same refs, each into an empty repository of the same server;
 * - the cold reconcile's peak RSS.
 *
 * Usage: `npm run bench -- [--sizes 1000,10000] [--samples 50] [--json FILE] [--workers N] [--keep]`.
 * Prints a table; `--json` writes every number. Not a test: it asserts only that each run did what it claims.
 */
import { execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { pushRefs } from '../src/git/remote.js';
import { createBareRepo, startGitServer } from '../test/support/gitServer.js';
import { kubectlPath } from '../test/support/tools.js';
import { fastImportStream, timeFastImport } from './fastImport.js';
import { measureWebhookLatency } from './webhookLatency.js';
import { bumpVersions, changeEverywhere, generateFleet, writeKustomizeOverlay, writeSpecRepo, type Fleet } from './fleet.js';

const execFileAsync = promisify(execFile);
const HERE = path.dirname(fileURLToPath(import.meta.url));
const NOW = '2026-01-01T00:00:00Z';
const USER = 'bench';
const TOKEN = 'bench-token';

interface Options {
  sizes: number[];
  samples: number;
  json: string | undefined;
  workers: number | undefined;
  keep: boolean;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { sizes: [1000, 10000], samples: 50, json: undefined, workers: undefined, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${arg} needs a value`);
      return next;
    };
    if (arg === '--sizes') options.sizes = value().split(',').map(Number);
    else if (arg === '--samples') options.samples = Number(value());
    else if (arg === '--json') options.json = value();
    else if (arg === '--workers') options.workers = Number(value());
    else if (arg === '--keep') options.keep = true;
    else throw new Error(`unknown argument ${arg}`);
  }
  return options;
}

/** What one reconcile child process reports (reconcileChild.ts). */
interface ChildReport {
  ms: number;
  rssMiB: number;
  created: number;
  updated: number;
  unchanged: number;
  refs: number;
  objects: number;
  problems: number;
}

function reconcileInChild(spec: string, output: string, workers: number | undefined): Promise<ChildReport> {
  const args = [path.join(HERE, 'reconcileChild.js'), spec, output, NOW, 'pack', ...(workers ? [String(workers)] : [])];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as ChildReport) : reject(new Error(`reconcile failed (${code}): ${err}`))));
  });
}

async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await execFileAsync('git', args, { cwd, maxBuffer: 512 * 1024 * 1024 });
  return stdout;
}

async function refs(gitdir: string): Promise<string> {
  return git(gitdir, 'for-each-ref', '--format=%(objectname) %(refname)', 'refs/heads/edgeplane/');
}

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`bench check failed: ${what}`);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = process.hrtime.bigint();
  const value = await run();
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, value };
}

/** Every number measured for one fleet size. */
interface SizeResult {
  locations: number;
  objects: number;
  packMiB: number;
  cold_ms: number;
  rss_mib: number;
  fast_import_ms: number;
  fast_import_objects: { blobs: number; commits: number };
  noop_ms: number;
  change_1pct_ms: number;
  change_1pct_locations: number;
  change_all_ms: number;
  push_ms: number;
  git_push_ms: number;
  kustomize_median_ms: number;
  kustomize_samples: number;
  per_location_ms: number;
  cold_vs_fast_import: number;
  per_location_speedup_vs_kustomize: number;
  noop_vs_cold: number;
  change_1pct_vs_cold: number;
  change_all_vs_cold: number;
  push_vs_git: number;
}

async function benchSize(n: number, options: Options, log: (line: string) => void): Promise<SizeResult> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), `edgeplane-bench-${n}-`));
  try {
    const fleet = generateFleet({ locations: n });
    const spec = path.join(root, 'spec');
    await writeSpecRepo(spec, fleet);
    const output = path.join(root, 'output.git');
    await git(root, 'init', '-q', '--bare', output);

    log(`N=${n}: cold reconcile`);
    const cold = await reconcileInChild(spec, output, options.workers);
    check(cold.created === n && cold.problems === 0, `cold reconcile created ${cold.created} of ${n}`);
    const packMiB = fs.readdirSync(path.join(output, 'objects', 'pack')).filter((f) => f.endsWith('.pack'))
      .reduce((sum, f) => sum + fs.statSync(path.join(output, 'objects', 'pack', f)).size, 0) / 2 ** 20;

    log(`N=${n}: git fast-import of the same objects and refs`);
    const stream = await fastImportStream(output, 'refs/heads/edgeplane/');
    const streamFile = path.join(root, 'fast-import.stream');
    fs.writeFileSync(streamFile, stream.bytes);
    const imported = path.join(root, 'fast-import.git');
    await git(root, 'init', '-q', '--bare', imported);
    const fastImportMs = await timeFastImport(imported, streamFile);
    check((await refs(imported)) === (await refs(output)), 'fast-import wrote the very same refs and commits');
    fs.rmSync(streamFile);
    fs.rmSync(imported, { recursive: true, force: true });

    log(`N=${n}: reconcile with nothing changed`);
    const noop = await reconcileInChild(spec, output, options.workers);
    check(noop.refs === 0 && noop.unchanged === n, 'a reconcile with nothing changed moves no ref');

    log(`N=${n}: push every location branch (edgeplane's push vs git push)`);
    const push = await benchPush(root, output, n);

    log(`N=${n}: kubectl kustomize of ${options.samples} equivalent overlays`);
    const kustomize = await benchKustomize(root, fleet, output, options.samples);

    log(`N=${n}: a change at 1% of the locations`);
    const changed = await bumpVersions(spec, fleet, 100);
    const change1 = await reconcileInChild(spec, output, options.workers);
    check(change1.updated === changed.length && change1.refs === changed.length, `1% change updated ${change1.updated} of ${changed.length}`);

    log(`N=${n}: a change at every location`);
    await changeEverywhere(spec, fleet, 'https://api.example.org/v2');
    const changeAll = await reconcileInChild(spec, output, options.workers);
    check(changeAll.updated === n, `a change everywhere updated ${changeAll.updated} of ${n}`);

    const perLocation = cold.ms / n;
    return {
      locations: n,
      objects: cold.objects,
      packMiB,
      cold_ms: cold.ms,
      rss_mib: cold.rssMiB,
      fast_import_ms: fastImportMs,
      fast_import_objects: { blobs: stream.blobs, commits: stream.commits },
      noop_ms: noop.ms,
      change_1pct_ms: change1.ms,
      change_1pct_locations: changed.length,
      change_all_ms: changeAll.ms,
      push_ms: push.product,
      git_push_ms: push.git,
      kustomize_median_ms: kustomize.median,
      kustomize_samples: kustomize.samples,
      per_location_ms: perLocation,
      cold_vs_fast_import: cold.ms / fastImportMs,
      per_location_speedup_vs_kustomize: kustomize.median / perLocation,
      noop_vs_cold: noop.ms / cold.ms,
      change_1pct_vs_cold: change1.ms / cold.ms,
      change_all_vs_cold: changeAll.ms / cold.ms,
      push_vs_git: push.product / push.git,
    };
  } finally {
    if (!options.keep) fs.rmSync(root, { recursive: true, force: true });
    else log(`kept ${root}`);
  }
}

/**
 * Pushes every location branch of `output` into empty repositories of one local smart-HTTP server: with the
 * product's push (`pushRefs`: the system git in as few calls as the command line allows, credentials in a header)
 * and with one plain `git push` of the same refs. Each twice, alternating; the faster run of each counts.
 */
async function benchPush(root: string, output: string, n: number): Promise<{ product: number; git: number }> {
  const served = path.join(root, 'served');
  fs.mkdirSync(served);
  const server = await startGitServer({ root: served, user: USER, token: TOKEN });
  try {
    const heads = (await refs(output)).trim().split('\n').map((line) => line.split(' ')[1]!);
    check(heads.length === n, 'one branch per location');
    const product: number[] = [];
    const plain: number[] = [];
    for (let round = 0; round < 2; round++) {
      const a = `product-${round}.git`;
      await createBareRepo(served, a);
      const ours = await timed(() => pushRefs({ gitdir: output, url: server.url(a), refs: heads, auth: { username: USER, token: TOKEN } }));
      check(ours.value.every((r) => r.status === 'ok'), 'every ref pushed');
      product.push(ours.ms);
      const b = `git-${round}.git`;
      await createBareRepo(served, b);
      const theirs = await timed(() => git(output, 'push', '--quiet', '--no-verify', server.authUrl(b), 'refs/heads/edgeplane/*:refs/heads/edgeplane/*'));
      plain.push(theirs.ms);
      check((await refs(path.join(served, a))) === (await refs(path.join(served, b))), 'both pushes left the same refs');
      fs.rmSync(path.join(served, a), { recursive: true, force: true });
      fs.rmSync(path.join(served, b), { recursive: true, force: true });
    }
    return { product: Math.min(...product), git: Math.min(...plain) };
  } finally {
    await server.close();
  }
}

/**
 * Times `kubectl kustomize` on the overlay a user would keep for each of `samples` locations spread over the fleet
 * (median), after checking on the first that it builds exactly the objects edgeplane published for it.
 */
async function benchKustomize(root: string, fleet: Fleet, output: string, samples: number): Promise<{ median: number; samples: number }> {
  const kubectl = kubectlPath();
  const picks = Array.from({ length: Math.min(samples, fleet.locations.length) }, (_, i) => fleet.locations[Math.floor((i * fleet.locations.length) / samples)]!);
  const times: number[] = [];
  for (const [i, location] of picks.entries()) {
    const dir = path.join(root, 'kustomize', location.name);
    const overlay = writeKustomizeOverlay(dir, fleet, location);
    const built = await timed(() => execFileAsync(kubectl, ['kustomize', overlay], { maxBuffer: 64 * 1024 * 1024 }));
    times.push(built.ms);
    if (i === 0) await checkEquivalent(built.value.stdout, output, location.name);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { median: median(times), samples: times.length };
}

/** The kustomize overlay builds the very objects edgeplane wrote to the location's branch. */
async function checkEquivalent(kustomized: string, output: string, location: string): Promise<void> {
  const key = (o: { kind: string; metadata: { name: string; namespace?: string } }) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
  const theirs = new Map(parseAllDocuments(kustomized).map((d) => d.toJS()).map((o) => [key(o), o]));
  const ref = `refs/heads/edgeplane/${location}`;
  const files = (await git(output, 'ls-tree', '-r', '--name-only', ref)).trim().split('\n').filter((f) => /^[^.][^/]*\/[^/]+\.yaml$/.test(f));
  const ours = new Map<string, unknown>();
  for (const file of files) {
    const object = parseYaml(await git(output, 'show', `${ref}:${file}`));
    ours.set(key(object), object);
  }
  check(ours.size === theirs.size, `kustomize built ${theirs.size} objects, edgeplane wrote ${ours.size}`);
  for (const [name, object] of ours) {
    check(JSON.stringify(sortKeys(object)) === JSON.stringify(sortKeys(theirs.get(name))), `kustomize and edgeplane agree on ${name}`);
  }
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]));
}

const TARGETS: [keyof SizeResult, string, string, (v: number) => boolean][] = [
  ['cold_vs_fast_import', 'cold reconcile ÷ git fast-import (same objects and refs)', '≤ 2', (v) => v <= 2],
  ['per_location_speedup_vs_kustomize', 'kubectl kustomize median ÷ edgeplane per location', '≥ 100', (v) => v >= 100],
  ['noop_vs_cold', 'reconcile with nothing changed ÷ cold', '≤ 0.05', (v) => v <= 0.05],
  ['change_1pct_vs_cold', 'change at 1% of locations ÷ cold', '≤ 0.10', (v) => v <= 0.1],
  ['change_all_vs_cold', 'change at every location ÷ cold', '(report)', () => true],
  ['push_vs_git', "edgeplane's push ÷ git push of the same refs", '≤ 1.5', (v) => v <= 1.5],
  ['rss_mib', 'peak RSS of the cold reconcile, MiB', '≤ 1024', (v) => v <= 1024],
];

function table(results: SizeResult[]): string {
  const ratio = (v: number) => (v >= 10 ? v.toFixed(0) : v >= 1 ? v.toFixed(2) : v.toFixed(3));
  const header = ['key', 'what', 'target', ...results.map((r) => `N=${r.locations.toLocaleString('en')}`)];
  const rows = TARGETS.map(([key, what, target, ok]) => [
    key === 'rss_mib' ? 'rss_mib' : key,
    what,
    target,
    ...results.map((r) => `${ratio(r[key] as number)}${target === '(report)' ? '' : ok(r[key] as number) ? ' ✓' : ' ✗'}`),
  ]);
  const times: [string, (r: SizeResult) => string][] = [
    ['cold reconcile', (r) => `${(r.cold_ms / 1000).toFixed(2)} s (${r.objects.toLocaleString('en')} objects, ${r.packMiB.toFixed(0)} MiB)`],
    ['git fast-import', (r) => `${(r.fast_import_ms / 1000).toFixed(2)} s`],
    ['per location', (r) => `${r.per_location_ms.toFixed(3)} ms`],
    ['kubectl kustomize (median)', (r) => `${r.kustomize_median_ms.toFixed(0)} ms`],
    ['nothing changed', (r) => `${(r.noop_ms / 1000).toFixed(2)} s`],
    [`change at 1%`, (r) => `${(r.change_1pct_ms / 1000).toFixed(2)} s (${r.change_1pct_locations} locations)`],
    ['change everywhere', (r) => `${(r.change_all_ms / 1000).toFixed(2)} s`],
    ['push (edgeplane / git)', (r) => `${(r.push_ms / 1000).toFixed(2)} s / ${(r.git_push_ms / 1000).toFixed(2)} s`],
  ];
  for (const [what, show] of times) rows.push(['', what, '', ...results.map(show)]);
  const widths = header.map((_, i) => Math.max(header[i]!.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

async function machine(): Promise<Record<string, unknown>> {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpu: cpus[0]?.model,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    git: (await execFileAsync('git', ['--version'])).stdout.trim(),
    kubectl: (await execFileAsync(kubectlPath(), ['version', '--client', '-o', 'json'])).stdout.match(/"gitVersion":\s*"([^"]+)"/)?.[1],
    loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))),
  };
}

/**
 * The status and service numbers: summarizing 10,000 reports × 40 objects with 3 collectors (in a child
 * process, so its peak RSS is its own), and push-webhook-to-updated-branch latency for 100 locations.
 */
async function benchExtras(log: (line: string) => void): Promise<{ lines: string[]; keys: Record<string, number> }> {
  log('summarize: 10,000 reports × 40 objects, 3 collectors');
  const child = await execFileAsync(process.execPath, [fileURLToPath(new URL('./summarize.js', import.meta.url)), '10000', '40'], { maxBuffer: 64 * 1024 * 1024 });
  const summary = JSON.parse(child.stdout.trim().split('\n').pop()!) as { ms: number; peakRssMiB: number };
  log('webhook latency: 100 locations, 30 pushes');
  const latency = await measureWebhookLatency({ locations: 100, samples: 30 });
  return {
    lines: [
      `summarize 10,000 reports × 40 objects, 3 collectors: ${(summary.ms / 1000).toFixed(2)} s, peak RSS ${summary.peakRssMiB.toFixed(0)} MiB`,
      `push webhook → updated location branch, 100 locations: p50 ${latency.p50Ms.toFixed(0)} ms, p99 ${latency.p99Ms.toFixed(0)} ms (${latency.reconcilesPerPush} reconcile per push)`,
    ],
    keys: {
      summarize_10k_ms: summary.ms,
      summarize_10k_rss_mib: summary.peakRssMiB,
      webhook_to_branch_p50_ms: latency.p50Ms,
      webhook_to_branch_p99_ms: latency.p99Ms,
    },
  };
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const about = await machine();
  log(`machine: ${JSON.stringify(about)}`);
  const results: SizeResult[] = [];
  for (const n of options.sizes) {
    results.push(await benchSize(n, options, log));
    // Each size as it completes: a large run that fails later still leaves its smaller sizes' numbers.
    if (results.length < options.sizes.length) log(table(results));
  }
  process.stdout.write(`${table(results)}\n`);
  const extras = await benchExtras(log);
  process.stdout.write(`${extras.lines.join('\n')}\n`);
  if (options.json) {
    const largest = results[results.length - 1]!;
    const keys = Object.fromEntries(
      TARGETS.map(([key]) => [key === 'rss_mib' ? `rss_mib_${largest.locations >= 1000 ? `${largest.locations / 1000}k` : largest.locations}` : key, largest[key]]),
    );
    const report = { ...keys, ...extras.keys, locations: largest.locations, machine: { ...about, loadAverageAfter: os.loadavg() }, sizes: results };
    fs.writeFileSync(options.json, `${JSON.stringify(report, null, 2)}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
