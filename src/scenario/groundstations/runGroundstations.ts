/**
 * `edgeplane demo groundstations`: the ground-station fleet of `fixtures/groundstations` (or a deterministic
 * subset of it) run end to end on this machine, through the scenarios in order, measured, and written as
 * `scenario.json` and `report.html`.
 *
 *   fixture ─► subset, forge URL ─► environment (git server, forge, edges) ─► initial push, `edgeplane serve`
 *   ─► scenarios: initial, waves, region-dark, bad-change (each measured as it ends) ─► report ─► stop everything
 *
 * The initial rollout always runs (nothing runs anywhere before it); it is reported only when asked for.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EdgeplaneError } from '../../errors/edgeplaneError.js';
import { formatDuration, parseDuration } from '../../rollout/duration.js';
import { writeScenarioReport, type WrittenReport } from '../report/writeScenarioReport.js';
import type { ScenarioName, ScenarioResult, ScenarioRun } from '../scenarioData.js';
import { packageRoot } from '../../util/packageRoot.js';
import { badChangeScenario } from './badChangeScenario.js';
import { GroundstationEnvironment } from './environment.js';
import { chooseStations, FIXTURE, forgeSection, readFixture, stationsOf, telemetryImage, telemetryTag, rolloutField, staleAfterMs, withForgeUrl, withInventory, withRolloutOverrides, withStaleAfter, type RolloutOverrides } from './fleetSpec.js';
import { initialScenario } from './initialScenario.js';
import { fleetTiming } from './fleetTiming.js';
import { measureScenario } from './measureScenario.js';
import { regionDarkScenario } from './regionDarkScenario.js';
import { Reviewer } from './reviewer.js';
import { ScenarioRecorder } from './scenarioRecorder.js';
import type { ScenarioContext, ScenarioOutcome } from './scenarioContext.js';
import { wavesScenario } from './wavesScenario.js';
import { ROLLED_OUT_PLACEMENT, wavePlan } from './wavePlan.js';

/** Every scenario, in the order they run. */
export const SCENARIOS: readonly ScenarioName[] = ['initial', 'waves', 'region-dark', 'bad-change'];

/** Telemetry tags the simulated registry has, in the order scenarios move to them, and one it lacks. */
const GOOD_TAGS = ['1.5.0', '1.5.1', '1.5.2'];
const BAD_TAG = '1.6.0';

/** What to run. */
export interface GroundstationOptions {
  /** How many stations (a subset keeping every region and its canary); default the whole fleet. */
  stations?: number | undefined;
  /** Which scenarios to report, run in their fixed order; default all. */
  scenarios?: readonly ScenarioName[] | undefined;
  /** Where `scenario.json` and `report.html` go. */
  outDir: string;
  /** Absolute path of the kubectl the edges build with (see kubectl.ts). */
  kubectl: string;
  /** A folder for the run's repositories and state; default a new temporary folder, removed at the end. */
  workDir?: string | undefined;
  /** Keep `workDir` at the end (to look at the repositories and `serve.log`). */
  keepWorkDir?: boolean | undefined;
  /** Progress lines for a person. */
  log?: ((line: string) => void) | undefined;
  /**
   * Changes to the rolled-out placement's `spec.rollout` before the first push (the forge URL is rewritten the
   * same way): a shorter soak and fewer batches make a quick run, e.g. the CI test. Default: the fixture's.
   */
  rollout?: RolloutOverrides | undefined;
}

/** What a run produced. */
export interface GroundstationRun {
  run: ScenarioRun;
  files: WrittenReport;
  /** The work folder, when it was kept. */
  workDir: string | undefined;
}

/** Runs the ground-station scenarios and writes the report. Throws only for bad options or a broken setup. */
export async function runGroundstations(options: GroundstationOptions): Promise<GroundstationRun> {
  const log = options.log ?? (() => undefined);
  const wanted = checkScenarios(options.scenarios ?? SCENARIOS);
  const fixture = readFixture(path.join(packageRoot(), FIXTURE));
  const stations = chooseStations(stationsOf(fixture), options.stations ?? stationsOf(fixture).length);
  let files = withInventory(fixture, new Set(stations.map((s) => s.name)));
  const fixtureDeadline = parseDuration(String(rolloutField(files, ROLLED_OUT_PLACEMENT, 'progressDeadline') ?? '30m')) ?? 30 * 60_000;
  const fixtureStaleAfter = staleAfterMs(files);
  const timing = fleetTiming(stations.length, { staleAfterMs: fixtureStaleAfter, progressDeadlineMs: fixtureDeadline });
  if (timing.staleAfterMs !== fixtureStaleAfter) files = withStaleAfter(files, timing.staleAfterMs);
  const deadline = timing.progressDeadlineMs !== fixtureDeadline ? { progressDeadline: formatDuration(timing.progressDeadlineMs) } : {};
  const rollout: RolloutOverrides = { ...deadline, ...options.rollout };
  files = withRolloutOverrides(files, ROLLED_OUT_PLACEMENT, rollout);
  const forge = forgeSection(files);
  const plan = wavePlan(files);
  const { links, edge, deadlines } = timing;
  const regions = [...new Set(stations.map((s) => s.region))];
  const workDir = options.workDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'edgeplane-groundstations-'));
  log(`ground-station fleet: ${stations.length} stations in ${regions.length} regions; scenarios: ${wanted.join(', ')}; work folder ${workDir}`);
  const polls = Object.entries(links).map(([name, model]) => `${name} ${model.pollIntervalMs / 1000} s`).join(', ');
  const tuned = Object.entries(rollout).filter(([, v]) => v !== undefined).map(([k, v]) => `${k} ${v}`).join(', ');
  log(`edges poll every ${polls}, report every ${edge.reportIntervalMs / 1000} s; staleAfter ${timing.staleAfterMs / 1000} s; the center reconciles every ${timing.pollSeconds} s${tuned ? `; rollout tuned: ${tuned}` : ''}`);

  const recorder = new ScenarioRecorder(
    stations.map((s) => s.name),
    { placement: plan.placement, waves: plan.waves.map((w) => w.name), batches: plan.waves.map((w) => w.batches.length) },
  );
  const changed = [...(timing.staleAfterMs !== fixtureStaleAfter ? [`staleAfter ${formatDuration(timing.staleAfterMs)}`] : []), ...(tuned ? [tuned] : [])].join(', ');
  const env = await GroundstationEnvironment.start({
    workDir,
    stations,
    links,
    kubectl: options.kubectl,
    images: imagesOf(files),
    edge,
    pollSeconds: timing.pollSeconds,
    forge,
    onEdgeEvent: (event, bytes) => recorder.onEdgeEvent(event, bytes),
    onReconciled: (note) => recorder.onReconciled(note),
    onCenterExit: (message) => log(`center: ${message}`),
    onEdgeHostExit: (message) => log(`edge processes: ${message}`),
    edgeHosts: timing.edgeHosts,
    log,
  }).catch((error: unknown) => {
    if (options.workDir === undefined && !options.keepWorkDir) fs.rmSync(workDir, { recursive: true, force: true });
    throw error;
  });
  const reviewer = new Reviewer(env.forge, env.bare, recorder, log);
  const results: ScenarioResult[] = [];
  try {
    files = withForgeUrl(files, env.forge.apiUrl);
    const ctx: ScenarioContext = {
      env,
      recorder,
      reviewer,
      stations,
      plan,
      files,
      goodTags: GOOD_TAGS.filter((tag) => tag !== telemetryTag(files)),
      badTag: BAD_TAG,
      pushes: [],
      deadlines,
      log,
      push: async (changes, message) => {
        const pushed = await env.pusher.push(changes, message);
        for (const [file, text] of Object.entries(changes)) {
          if (text === null) delete ctx.files[file];
          else ctx.files[file] = text;
        }
        ctx.pushes.push(pushed);
        recorder.add('push', `${pushed.commit.slice(0, 12)} ${message}`, { atMs: pushed.pushedAtMs });
        log(`  pushed ${pushed.commit.slice(0, 12)}: ${message}`);
        if (!env.center) {
          await env.startService();
          await env.pusher.notify(pushed);
        }
        return pushed;
      },
    };
    reviewer.start();
    const runs: Record<ScenarioName, () => Promise<ScenarioOutcome>> = {
      initial: () => initialScenario(ctx),
      waves: () => wavesScenario(ctx),
      'region-dark': () => regionDarkScenario(ctx, timing.staleAfterMs),
      'bad-change': () => badChangeScenario(ctx),
    };
    for (const name of SCENARIOS) {
      if (name !== 'initial' && !wanted.includes(name)) continue;
      log(`scenario ${name}${wanted.includes(name) ? '' : ' (setup only, not reported)'}`);
      const outcome = await runs[name]();
      if (!wanted.includes(name)) {
        for (const check of outcome.checks) if (!check.ok) log(`  check failed: ${check.name}: ${check.detail}`);
        continue;
      }
      const result = await measureScenario(ctx, outcome);
      // The measured checks (consistency, bytes) as well as the scenario's own.
      for (const check of result.checks) if (!check.ok) log(`  check failed: ${check.name}: ${check.detail}`);
      if (changed) result.description += ` This run changed the fixture's timing for its fleet: ${changed}.`;
      results.push(result);
      const ok = result.checks.filter((c) => c.ok).length;
      log(`  ${name}: ${result.latency.reached}/${result.latency.total} stations in ${(result.durationMs / 1000).toFixed(1)} s; ${ok}/${result.checks.length} checks ok`);
    }
  } finally {
    await reviewer.stop();
    await env.stop();
    if (!options.keepWorkDir && options.workDir === undefined) fs.rmSync(workDir, { recursive: true, force: true });
  }
  const run: ScenarioRun = {
    format: 'edgeplane-scenario/1',
    generatedAt: new Date().toISOString(),
    fleet: { stations: stations.length, regions, links },
    scenarios: results,
  };
  const written = writeScenarioReport(run, options.outDir);
  return { run, files: written, workDir: options.keepWorkDir || options.workDir !== undefined ? workDir : undefined };
}

/** The scenario names, checked: an unknown one is an error listing the known ones. */
export function checkScenarios(names: readonly string[]): ScenarioName[] {
  const unknown = names.filter((n) => !SCENARIOS.includes(n as ScenarioName));
  if (unknown.length > 0 || names.length === 0) {
    throw new EdgeplaneError('BAD_ARGUMENT', `--scenarios ${unknown.length > 0 ? `has unknown ${unknown.map((n) => JSON.stringify(n)).join(', ')}` : 'is empty'}: choose from ${SCENARIOS.join(', ')} (comma-separated)`, { unknown });
  }
  return SCENARIOS.filter((s) => names.includes(s));
}

/** The simulated registry: every image the fixture's workloads use, and the telemetry image at every good tag. */
function imagesOf(files: Readonly<Record<string, string>>): string[] {
  const images = new Set<string>();
  for (const [file, text] of Object.entries(files)) {
    if (!file.startsWith('workloads/')) continue;
    for (const match of text.matchAll(/^\s*-?\s*image:\s*["']?([^\s"']+)/gm)) images.add(match[1]!);
  }
  for (const tag of [telemetryTag(files), ...GOOD_TAGS]) images.add(telemetryImage(files, tag));
  images.delete(telemetryImage(files, BAD_TAG));
  return [...images].sort();
}
