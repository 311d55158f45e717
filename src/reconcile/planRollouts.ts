import type { Location } from '../api/location.js';
import type { EdgePlacement } from '../api/placement.js';
import type { RolloutSpec } from '../api/rollout.js';
import { ProblemList } from '../errors/problem.js';
import { readCommitFiles } from '../git/refs.js';
import { parseSpec } from '../load/parseSpec.js';
import type { Spec } from '../load/spec.js';
import { placementInputs } from '../render/inputDigest.js';
import { planPlacements, type PlacementPlan } from '../render/placementPlan.js';
import { assignWaves, type Wave } from '../rollout/assignWaves.js';
import { decide, releasedLocations, type WaveStatus } from '../rollout/decide.js';
import { batchSize, planBatches } from '../rollout/planBatches.js';
import { advancePredicate, compileAdvanceWhen, compileConstraint, pairPredicate } from '../rollout/rolloutExpressions.js';
import { removeRollout, startRollout, type RolloutRecord } from '../rollout/rolloutRecord.js';
import { windowOpen } from '../rollout/window.js';
import { matchesAny } from '../schedule/labelSelector.js';
import type { ScopeTable } from '../select/scope.js';
import type { JudgeLocation } from '../status/judgeRolloutLocations.js';
import type { LocationState } from '../status/summary.js';

/** One placement's rollout this reconcile: its record after the decision, its waves and batches. */
export interface PlannedRollout {
  record: RolloutRecord;
  /** The record as `edgeplane-rollouts` held it before this reconcile; absent when this reconcile starts the rollout. */
  before?: RolloutRecord | undefined;
  waves: Wave[];
  /** Location names per batch, per wave. */
  batches: string[][][];
  /** Locations on the new revision after this reconcile. */
  released: Set<string>;
  /** Locations that were on the new revision before this reconcile. */
  releasedBefore: Set<string>;
  /** How the wave before the current one is doing, when the current one waits for its pull request. */
  previousWave?: WaveStatus | undefined;
}

/** What rendering must do differently because of rollouts. */
export interface RolloutPlan {
  rollouts: Map<string, PlannedRollout>;
  /** Location → placements that keep their published files there (not released yet). */
  held: Map<string, Set<string>>;
  /** Location → placements rendered from another plan there (rollback); null: removed there. */
  plans: Map<string, Map<string, PlacementPlan | null>>;
  /**
   * Records of placements that have no rollout now (`spec.rollout` or the placement was removed): closed as
   * `Removed` when deciding, as they were when following. Written back with the others.
   */
  kept: Map<string, RolloutRecord>;
}

/**
 * Who moves rollouts. `decide`: this reconcile takes every rollout as far as its gates allow and writes the
 * records (one process, or the one replica of a sharded service that owns rollouts). `follow`: it renders from
 * the records as they are on `edgeplane-rollouts`, releasing nothing they do not release, and writes nothing
 * there (the other replicas).
 */
export type RolloutRole = 'decide' | 'follow';

/**
 * The revision a rollout tracks: the placement's inputs digest without `spec.rollout`, so that tuning the
 * rollout itself (a soak time, a window) does not start a new one.
 */
export function rolloutRevision(plan: PlacementPlan, sourceCommit: string): string {
  const value = plan.placement.value;
  const withoutRollout: EdgePlacement = { ...value, spec: { ...value.spec, rollout: undefined } as EdgePlacement['spec'] };
  return placementInputs({ ...plan, placement: { ...plan.placement, value: withoutRollout } }, sourceCommit);
}

/** The locations a placement selects, in the whole inventory (rollouts span shards). */
function selectedLocations(spec: Spec, placement: EdgePlacement): Location[] {
  return spec.locations.map((l) => l.value).filter((l) => matchesAny(placement.spec.locationSelectors, l.metadata.labels));
}

/** Waves and batches of a placement's rollout: assignWaves, then planBatches with the CEL constraints. */
export function wavesAndBatches(name: string, rollout: RolloutSpec, locations: readonly Location[]): { waves: Wave[]; batches: string[][][] } {
  const { waves } = assignWaves(name, rollout, locations);
  const byName = new Map(locations.map((l) => [l.metadata.name, l]));
  const constraints = (rollout.constraints ?? []).flatMap((c) => {
    const compiled = compileConstraint(c.expr);
    return 'expression' in compiled ? [compiled.expression] : [];
  });
  const compatible = pairPredicate(constraints);
  const batches = waves.map((wave) =>
    planBatches(wave.locations.map((n) => byName.get(n)!), batchSize(rollout.maxUnavailable, wave.locations.length), compatible).map((batch) =>
      batch.map((l) => l.metadata.name),
    ),
  );
  return { waves, batches };
}

/**
 * Takes every placement's rollout as far as its gates allow (decide.ts) and says what rendering must hold
 * back or roll back. A location counts toward a wave's health only once it was released by an earlier
 * reconcile: a batch released now has not been published yet, so its reports say nothing about it; and,
 * with `unconfirmed` (a sharded service, where other replicas publish), only once its published output
 * carries the new revision. `judge` is called only for such locations. Rollback renders the previous
 * revision's plan, read from the spec commit the record names. With `role: 'follow'` nothing is decided: the
 * records are rendered as they are, and a revision they do not know yet is held everywhere.
 */
export async function planRollouts(context: {
  spec: Spec;
  specGitdir: string;
  plans: ReadonlyMap<string, PlacementPlan>;
  scopes: ScopeTable;
  records: ReadonlyMap<string, RolloutRecord>;
  judge: () => Promise<JudgeLocation>;
  now: Date;
  role?: RolloutRole;
  /** Of `locations`, released before, those whose published output may not carry the placement's new revision yet. */
  unconfirmed?: (placement: string, locations: readonly string[]) => Promise<ReadonlySet<string>>;
}): Promise<RolloutPlan> {
  const { spec, now } = context;
  const deciding = (context.role ?? 'decide') === 'decide';
  const result: RolloutPlan = { rollouts: new Map(), held: new Map(), plans: new Map(), kept: new Map() };
  let judge: JudgeLocation | undefined;
  const judgeOnce = async () => (judge ??= await context.judge());
  const oldPlans = new Map<string, Map<string, PlacementPlan>>();

  for (const placement of spec.placements) {
    const rollout = placement.value.spec.rollout;
    const name = placement.value.metadata.name;
    const plan = context.plans.get(name);
    if (!rollout || !plan) continue;
    const revision = rolloutRevision(plan, spec.commit);
    const known = context.records.get(name);
    // A removed rollout is no baseline: the placement went everywhere without one, and coming back it starts over.
    const current = known && known.revision === revision && known.phase !== 'Removed' ? known : undefined;
    const record = current ?? startRollout(name, revision, spec.commit, known);
    const locations = selectedLocations(spec, placement.value);
    const { waves, batches } = wavesAndBatches(name, rollout, locations);
    const releasedBefore = current ? releasedLocations(current, batches) : new Set<string>();
    const { next, previousWave } = deciding
      ? await decideRollout({ name, rollout, record, waves, batches, releasedBefore, now, judge: judgeOnce, unconfirmed: context.unconfirmed })
      : { next: record, previousWave: undefined };
    const released = releasedLocations(next, batches);
    result.rollouts.set(name, { record: next, before: known, waves, batches, released, releasedBefore, previousWave });
    if (next.phase === 'Completed') continue;

    let previousPlan: PlacementPlan | null = null;
    if (next.phase === 'RolledBack' && next.previous) {
      const commit = next.previous.sourceCommit;
      if (!oldPlans.has(commit)) oldPlans.set(commit, await plansAt(context.specGitdir, commit, context.scopes));
      previousPlan = oldPlans.get(commit)!.get(name) ?? null;
    }
    for (const location of locations) {
      const at = location.metadata.name;
      if (!released.has(at)) add(result.held, at, name);
      else if (next.phase === 'RolledBack') {
        const overrides = result.plans.get(at) ?? new Map<string, PlacementPlan | null>();
        overrides.set(name, previousPlan);
        result.plans.set(at, overrides);
      }
    }
  }
  const existing = new Set(spec.placements.map((p) => p.value.metadata.name));
  for (const [name, record] of context.records) {
    if (result.rollouts.has(name)) continue;
    result.kept.set(name, deciding ? removeRollout(record, existing.has(name)) : record);
  }
  return result;
}

/**
 * One placement's decision: the record taken as far as the gates allow, and, when the next wave waits for its
 * pull request, how the wave before it is doing. Only locations released before, and not `unconfirmed`, are
 * judged; the others count as `pending`.
 */
async function decideRollout(context: {
  name: string;
  rollout: RolloutSpec;
  record: RolloutRecord;
  waves: readonly Wave[];
  batches: string[][][];
  releasedBefore: ReadonlySet<string>;
  now: Date;
  judge: () => Promise<JudgeLocation>;
  unconfirmed: ((placement: string, locations: readonly string[]) => Promise<ReadonlySet<string>>) | undefined;
}): Promise<{ next: RolloutRecord; previousWave: WaveStatus | undefined }> {
  const { name, rollout, record, waves, batches, releasedBefore, now } = context;
  const progressing = record.phase === 'Progressing';
  const notYetOut =
    progressing && record.batchReleased && context.unconfirmed
      ? await context.unconfirmed(name, currentWaveSoFar(record, batches).filter((l) => releasedBefore.has(l)))
      : new Set<string>();
  const counted = (location: string) => releasedBefore.has(location) && !notYetOut.has(location);
  const judge = progressing && releasedBefore.size > 0 ? await context.judge() : undefined;
  const state = (j: JudgeLocation | undefined) => (location: string) => (counted(location) && j ? j(name, location) : 'pending');
  const advance = compileAdvanceWhen(rollout.advanceWhen);
  const next = decide(record, {
    spec: rollout,
    batches,
    wave: (index) => ({ name: waves[index]?.name ?? String(index) }),
    status: (index, names) => waveStatus(waves[index]?.name ?? String(index), index, names, state(judge)),
    advanceWhen: 'expression' in advance ? advancePredicate(advance.expression) : () => false,
    windowOpen: windowOpen(rollout.window, now),
    approved: (wave) => record.approvals.some((a) => a.wave === wave),
    now,
  });
  if (rollout.review !== 'pullRequest' || !waitsForReview(next) || next.wave === 0 || next.wave >= waves.length) return { next, previousWave: undefined };
  const before = waves[next.wave - 1]!;
  return { next, previousWave: waveStatus(before.name, before.index, before.locations, state(await context.judge())) };
}

/** A rollout that stands at the first batch of a wave, unreleased, waiting for a person. */
export function waitsForReview(record: RolloutRecord): boolean {
  return record.phase === 'Progressing' && !record.batchReleased && record.batch === 0;
}

/** The locations of the current wave's batches up to the current one. */
function currentWaveSoFar(record: RolloutRecord, batches: readonly (readonly string[])[][]): string[] {
  return (batches[record.wave] ?? []).slice(0, record.batch + 1).flat();
}

function add(map: Map<string, Set<string>>, key: string, value: string): void {
  const set = map.get(key) ?? new Set<string>();
  set.add(value);
  map.set(key, set);
}

function waveStatus(name: string, index: number, locations: readonly string[], state: (location: string) => LocationState): WaveStatus {
  const status: WaveStatus = { name, index, total: locations.length, healthy: 0, progressing: 0, degraded: 0, pending: 0, stale: 0, unknown: 0 };
  for (const location of locations) status[state(location)]++;
  return status;
}

/** The placement plans of an earlier spec commit (it was valid when it was rolled out; problems now are ignored). */
async function plansAt(gitdir: string, commit: string, scopes: ScopeTable): Promise<Map<string, PlacementPlan>> {
  try {
    const spec = parseSpec({ commit, files: await readCommitFiles(gitdir, commit) }, new ProblemList());
    return planPlacements(spec, scopes);
  } catch {
    return new Map();
  }
}
