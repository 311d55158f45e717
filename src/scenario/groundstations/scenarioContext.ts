/**
 * What every scenario works with: the environment, the recorder, the reviewer, the fleet and its waves, the spec
 * as it stands, and the waits they share. Each wait has a deadline and, when it passes, returns a failed check
 * saying what it waited for and what it saw, instead of hanging.
 */
import { listRefs } from '../../git/refs.js';
import type { RolloutPhase, RolloutRecord } from '../../rollout/rolloutRecord.js';
import type { ScenarioName } from '../scenarioData.js';
import { waitUntil, type WaitOutcome } from './deadline.js';
import type { GroundstationEnvironment } from './environment.js';
import type { Station } from './fleetSpec.js';
import type { Reviewer } from './reviewer.js';
import type { ScenarioRecorder } from './scenarioRecorder.js';
import type { Pushed } from './specPusher.js';

/** One check a scenario asserts: the CI test requires every one `ok`. */
export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

/** The rolled-out placement's waves, in order. */
export interface WavePlan {
  placement: string;
  waves: { name: string; stations: string[]; batches: string[][] }[];
  waveOf: ReadonlyMap<string, string>;
}

/** How long the waits of a scenario may take. */
export interface Deadlines {
  /** A whole rollout, from push to completion (or rollback). */
  rolloutMs: number;
  /** The fleet settling on what is published, once the center is done. */
  settleMs: number;
}

/** Shared by the scenarios of one run. */
export interface ScenarioContext {
  env: GroundstationEnvironment;
  recorder: ScenarioRecorder;
  reviewer: Reviewer;
  stations: readonly Station[];
  plan: WavePlan;
  /** The spec's files as last pushed. */
  files: Record<string, string>;
  /** Telemetry image tags that exist, in the order scenarios move to them. */
  goodTags: string[];
  /** A telemetry image tag the simulated registry does not have. */
  badTag: string;
  /** Spec pushes of the run, in order. */
  pushes: Pushed[];
  deadlines: Deadlines;
  log: (line: string) => void;
  /** Commits `changes` (null deletes) and pushes them, recording the push on the timeline. */
  push(changes: Readonly<Record<string, string | null>>, message: string): Promise<Pushed>;
}

/** What a scenario hands to measurement: its window, its change, and its own checks. */
export interface ScenarioOutcome {
  name: ScenarioName;
  title: string;
  description: string;
  startMs: number;
  endMs: number;
  /** The pushes it made; the first is the change whose latency is measured. */
  pushes: Pushed[];
  checks: Check[];
}

/** Checks that a wait produced: ok, or its failure detail. */
export function waitCheck(name: string, outcome: WaitOutcome<unknown>, okDetail: string): Check {
  return outcome.ok ? { name, ok: true, detail: okDetail } : { name, ok: false, detail: outcome.detail };
}

/** Waits until the rolled-out placement's record for `commit` reaches one of `phases`. */
export function waitForRollout(ctx: ScenarioContext, commit: string, phases: readonly RolloutPhase[], timeoutMs: number): Promise<WaitOutcome<RolloutRecord>> {
  const record = () => ctx.recorder.records.get(ctx.plan.placement);
  return waitUntil(
    `the ${ctx.plan.placement} rollout of ${commit.slice(0, 12)} to be ${phases.join(' or ')}`,
    () => {
      const seen = record();
      return seen && seen.sourceCommit === commit && phases.includes(seen.phase) ? seen : undefined;
    },
    { timeoutMs, intervalMs: 200, lastSeen: () => describeRecord(record()) },
  );
}

/** The station branch heads of the output repo now, station → commit. */
export async function branchHeads(ctx: ScenarioContext): Promise<Map<string, string>> {
  const prefix = 'refs/heads/edgeplane/';
  const heads = await listRefs(ctx.env.bare, prefix);
  return new Map([...heads].map(([ref, commit]) => [ref.slice(prefix.length), commit]));
}

/**
 * Waits until every station in `stations` runs its branch head, healthy, or (with `offlineCounts`) is reported
 * offline by the center. Resolves with when it held.
 */
export function waitForFleet(ctx: ScenarioContext, stations: readonly string[], what: string, options: { timeoutMs: number; offlineCounts?: boolean }): Promise<WaitOutcome<number>> {
  let missing: string[] = [];
  return waitUntil(
    what,
    async () => {
      const heads = await branchHeads(ctx);
      missing = stations.filter((station) => {
        const run = ctx.recorder.trackers.get(station)?.current();
        const onHead = run !== undefined && run.commit === heads.get(station) && run.healthyAt !== null;
        return !onHead && !(options.offlineCounts && ctx.env.reportedOffline(station));
      });
      return missing.length === 0 ? Date.now() : undefined;
    },
    { timeoutMs: options.timeoutMs, intervalMs: 500, lastSeen: () => `${missing.length} station(s) not there yet: ${missing.slice(0, 6).join(', ')}${missing.length > 6 ? ', …' : ''}` },
  );
}

function describeRecord(record: RolloutRecord | undefined): string {
  if (!record) return 'no rollout record yet';
  return `record of ${record.sourceCommit.slice(0, 12)}: ${record.phase}, wave ${record.wave + 1} batch ${record.batch + 1}: ${record.message}`;
}
