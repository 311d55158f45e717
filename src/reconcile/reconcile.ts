import type { Problem } from '../errors/problem.js';
import { ProblemList } from '../errors/problem.js';
import { IsoGitSink } from '../git/isoGitSink.js';
import type { ObjectSink } from '../git/objectSink.js';
import { PackSink } from '../git/packSink.js';
import type { OutputTarget } from '../publish/outputTarget.js';
import { readPublishedState } from '../publish/publishedState.js';
import { Publisher, type PublishResult } from '../publish/publisher.js';
import { publishBootstrap } from '../bootstrap/publishBootstrap.js';
import type { Consumer } from '../api/location.js';
import type { Spec, SpecFiles } from '../load/spec.js';
import { RenderError } from '../render/renderError.js';
import { loadSpec, type SpecSource } from './loadSpec.js';
import { openOutput, type OutputOverrides } from './openOutput.js';
import { fleetLocations, inputsOf, prepareFleet, renderHeldEverywhere, type RenderedLocation } from './renderFleet.js';
import { defaultWorkers, renderInWorkers } from './renderInWorkers.js';
import { planRollouts, type RolloutPlan, type RolloutRole } from './planRollouts.js';
import { fetchRolloutRefs, readRolloutRecords, writeRolloutRecords } from '../publish/rolloutRecords.js';
import type { RolloutRecord } from '../rollout/rolloutRecord.js';
import { judgeRolloutLocations } from '../status/judgeRolloutLocations.js';
import type { Forge } from '../forge/forge.js';
import { unpublishedPlacement } from '../plan/unpublishedPlacement.js';
import { closeSupersededPullRequests, forgeUnavailable, openPullRequests, rolloutForge, syncPullRequests } from './reviewRollouts.js';

/** How objects reach the output repository. */
export type ObjectWriter = 'pack' | 'isomorphic-git';

export interface ReconcileOptions {
  source: SpecSource;
  output?: OutputOverrides;
  /** Commit time of output commits. Default: the current time. */
  now?: Date;
  /** `pack` (default): one packfile per reconcile; `isomorphic-git`: loose objects, the plain path. */
  writer?: ObjectWriter;
  /** Called after each location. */
  onProgress?: (done: number, total: number) => void;
  /**
   * Only locations it accepts are rendered and published (one replica's shards, `edgeplane serve`); the others,
   * retired ones included, are neither rendered nor published. Default: every location.
   */
  shard?: (location: string) => boolean;
  /** Write the bootstrap manifests to `edgeplane-bootstrap` (default true; one replica of a service does it). */
  bootstrap?: boolean;
  /**
   * Threads that render and write locations (`pack` writer, branch mode). Default: all cores but one, on machines
   * with 4 or more, when at least 2,000 locations need rendering (renderInWorkers.ts `defaultWorkers`); 1 renders
   * in this thread. The output is the same either way.
   */
  workers?: number;
  /** The forge of `review: pullRequest` rollouts. Default: the one `spec.forge` of edgeplane.yaml configures. */
  forge?: Forge;
  /**
   * `decide` (default): this reconcile moves rollouts, writes their records and reviews their waves. `follow`:
   * it renders its locations from the records on `edgeplane-rollouts` as they are, and writes nothing there.
   * Replicas that share a fleet through `shard` must have exactly one decider (`edgeplane serve`: the elected
   * replica); a decider with `shard` checks that the other shards published a released batch before judging it.
   */
  rollouts?: RolloutRole;
}

export interface ReconcileResult {
  specCommit: string;
  target: OutputTarget;
  created: string[];
  updated: string[];
  unchanged: number;
  /** Published locations no longer in the inventory whose output this reconcile emptied. */
  retired: string[];
  /** Placements that failed to render somewhere: they kept their last good output everywhere. */
  held: string[];
  /** Render problems of the held placements. */
  problems: Problem[];
  publish: PublishResult;
  /** The new commit of `edgeplane-bootstrap`, or null when the bootstrap manifests did not change. */
  bootstrap: string | null;
  /** The consumers the fleet's locations use. */
  consumers: Consumer[];
  /** The rollout record of every placement with `spec.rollout`, after this reconcile (docs/rollout.md). */
  rollouts: RolloutRecord[];
  /** The new commit of `edgeplane-rollouts`, or null when no record changed. */
  rolloutsCommit: string | null;
}

/**
 * One reconcile: load the spec commit ─► open the output ─► read what is published ─► schedule and
 * compile ─► decide (or follow) every rollout (records, reports, pull requests) ─► render, compose and publish each
 * location, holding what rollouts have not released ─► write refs ─► push ─► write the rollout records and
 * open the pull requests of waves that wait for review. Spec problems stop it before
 * anything is written (InvalidSpecError); a placement with render problems is held at its last good output
 * everywhere, the others go on, and the problems are returned.
 */
export async function reconcile(options: ReconcileOptions): Promise<ReconcileResult> {
  const { spec, gitdir, files } = await loadSpec(options.source);
  const target = await openOutput(spec.settings, options.source, gitdir, options.output);
  const published = await readPublishedState(target);
  const fleet = prepareFleet(spec, published, options.shard);
  const now = options.now ?? new Date();
  const role = options.rollouts ?? 'decide';
  const rollouts = await planFleetRollouts({ spec, gitdir, target, published, fleet, now, forge: options.forge, role, shard: options.shard });
  const { forge } = rollouts;
  for (const placement of rollouts.forgeError ? spec.placements : []) {
    const planned = rollouts.rollouts.get(placement.value.metadata.name);
    if (planned && placement.value.spec.rollout?.review === 'pullRequest') planned.record = forgeUnavailable(planned.record, rollouts.forgeError!);
  }
  const problems = new ProblemList();
  const retired = new Set(fleet.retired);
  const total = fleet.assignments.size + fleet.retired.length;
  let publisher: Publisher | undefined;
  let result = { created: [] as string[], updated: [] as string[], retired: [] as string[], unchanged: 0 };
  let done = 0;
  const writer = options.writer ?? 'pack';
  // Many locations to render: on every core (renderInWorkers.ts), the same objects and refs as in one thread.
  // Rollouts hold placements per location, which only the single-thread path knows how to do.
  if (writer === 'pack' && target.mode === 'branch' && rollouts.rollouts.size === 0) {
    const toRender = fleetLocations(fleet)
      .filter((location) => !inputsOf(fleet, location, published.locations.get(location.metadata.name)).unchanged)
      .map((location) => location.metadata.name);
    const workers = options.workers ?? defaultWorkers(toRender.length);
    if (workers > 1 && toRender.length > 1) {
      const publisher = new Publisher({ target, published, createSink: () => createSink(writer, target.gitdir), sourceCommit: spec.commit, now });
      const unchanged = total - toRender.length;
      if (unchanged > 0) options.onProgress?.((done = unchanged), total);
      const rendered = await renderInWorkers({
        files,
        target,
        published,
        locations: toRender,
        workers,
        now,
        problems,
        onRendered: (count) => options.onProgress?.((done += count), total),
      });
      for (const written of rendered.commits) {
        publisher.adopt(written);
        result[retired.has(written.location) ? 'retired' : written.change].push(written.location);
      }
      result.unchanged = unchanged + rendered.unchanged;
      publisher.countWrittenElsewhere(rendered.objects);
      const publish = await publisher.finish();
      const bootstrap = await writeBootstrap(options, { spec, files, target, writer, now, problems });
      const written = await finishRollouts({ spec, gitdir, target, writer, now, rollouts, role, forge });
      return { specCommit: spec.commit, target, ...result, held: [...rendered.held].sort(), problems: problems.problems, publish, bootstrap, consumers: consumersOf(spec), ...written };
    }
  }
  // A location whose inputs are those its output was rendered from is not rendered again.
  const onUnchanged = () => {
    result.unchanged++;
    options.onProgress?.(++done, total);
  };
  const held = await renderHeldEverywhere(fleet, target, published, problems, async () => {
    await publisher?.discard();
    publisher = new Publisher({
      target,
      published,
      createSink: () => createSink(writer, target.gitdir),
      sourceCommit: spec.commit,
      now,
    });
    result = { created: [], updated: [], retired: [], unchanged: 0 };
    done = 0;
    return ({ tree }: RenderedLocation) => {
      const change = publisher!.add(tree);
      if (change === 'unchanged') result.unchanged++;
      else result[retired.has(tree.location) ? 'retired' : change].push(tree.location);
      options.onProgress?.(++done, total);
    };
  }, { onUnchanged, heldAt: (location) => rollouts.held.get(location), plansAt: (location) => rollouts.plans.get(location) });
  const publish = await publisher!.finish();
  const bootstrap = await writeBootstrap(options, { spec, files, target, writer, now, problems });
  const written = await finishRollouts({ spec, gitdir, target, writer, now, rollouts, role, forge });
  return {
    specCommit: spec.commit,
    target,
    ...result,
    held: [...held].sort(),
    problems: problems.problems,
    publish,
    bootstrap,
    consumers: consumersOf(spec),
    ...written,
  };
}

/**
 * After the locations are published: writes the rollout records (a decider only), closes the pull requests of
 * rollouts that were replaced or removed, and opens those of waves that wait for review. Records are written
 * after the locations: a record never says a batch is out before its output is.
 */
async function finishRollouts(context: {
  spec: Spec;
  gitdir: string;
  target: OutputTarget;
  writer: ObjectWriter;
  now: Date;
  rollouts: FleetRollouts;
  role: RolloutRole;
  forge: Forge | undefined;
}): Promise<{ rollouts: RolloutRecord[]; rolloutsCommit: string | null }> {
  const { spec, gitdir, target, writer, now, rollouts, forge } = context;
  const records = new Map([...rollouts.rollouts].map(([name, planned]) => [name, planned.record]));
  for (const [name, record] of rollouts.kept) records.set(name, record);
  const sorted = () => [...records.values()].sort((a, b) => (a.placement < b.placement ? -1 : 1));
  if (context.role === 'follow') return { rollouts: sorted(), rolloutsCommit: null };
  // Closed before the records are written, so that they say what became of each pull request.
  for (const [name, record] of forge ? await closeSupersededPullRequests(rollouts.before, records, forge) : []) {
    records.set(name, record);
    const planned = rollouts.rollouts.get(name);
    if (planned) planned.record = record;
  }
  const saveRecords = (subject: string) =>
    writeRolloutRecords(records, { target, createSink: () => createSink(writer, target.gitdir), now, subject, sourceCommit: spec.commit, extra: rollouts.others });
  let rolloutsCommit = records.size > 0 || rollouts.before.size > 0 ? await saveRecords('rollouts') : null;
  if (forge && rollouts.rollouts.size > 0) {
    // Pull requests go into edgeplane-rollouts, so they are opened once it holds this reconcile's records.
    const reviewed = await openPullRequests({ spec, specGitdir: gitdir, rollouts: rollouts.rollouts, plan: rollouts, forge, target, createSink: () => createSink(writer, target.gitdir), now });
    if (reviewed.opened > 0) {
      for (const [name, record] of reviewed.records) records.set(name, record);
      rolloutsCommit = (await saveRecords('rollouts: pull requests opened')) ?? rolloutsCommit;
    }
  }
  return { rollouts: sorted(), rolloutsCommit };
}

/** The rollouts of one reconcile: the plan, the records it started from, and the forge that reviews them. */
type FleetRollouts = RolloutPlan & { others: Map<string, string>; before: Map<string, RolloutRecord>; forge?: Forge | undefined; forgeError?: string | undefined };

/**
 * Reads the rollout records (fetching them, and the reports when some placement has a rollout, from a remote
 * output), syncs their pull requests and decides (or follows) every rollout's next step. Without any
 * `spec.rollout` and without records, reads nothing more.
 */
async function planFleetRollouts(context: {
  spec: Spec;
  gitdir: string;
  target: OutputTarget;
  published: Awaited<ReturnType<typeof readPublishedState>>;
  fleet: ReturnType<typeof prepareFleet>;
  now: Date;
  forge: Forge | undefined;
  role: RolloutRole;
  shard: ((location: string) => boolean) | undefined;
}): Promise<FleetRollouts> {
  const { spec, target, fleet, now, shard, published } = context;
  const withRollout = spec.placements.some((p) => p.value.spec.rollout);
  await fetchRolloutRefs(target, withRollout ? spec.settings.reportBranchPrefix : undefined);
  const read = await readRolloutRecords(target.gitdir);
  const empty = { rollouts: new Map(), held: new Map(), plans: new Map(), kept: new Map(), others: read.others, before: read.records };
  if (!withRollout && read.records.size === 0) return empty;
  const deciding = context.role === 'decide';
  const { forge, error: forgeError } = deciding ? await rolloutForge(spec, context.forge, read.records) : {};
  const records = forge ? await syncPullRequests(read.records, forge, now) : read.records;
  const plan = await planRollouts({
    spec,
    specGitdir: context.gitdir,
    plans: fleet.plans,
    scopes: fleet.scopes,
    records,
    judge: () => judgeRolloutLocations({ target, settings: spec.settings, published, now }),
    now,
    role: context.role,
    // Other replicas publish the rest of the fleet: what they have not published yet is not judged.
    ...(deciding && shard ? { unconfirmed: (placement: string, locations: readonly string[]) => unpublishedPlacement(spec, target, published, placement, locations.filter((l) => !shard(l))) } : {}),
  });
  return { ...plan, others: read.others, before: read.records, forge, forgeError };
}

function consumersOf(spec: Spec): Consumer[] {
  return [...new Set(spec.locations.map((l) => l.value.spec?.consumer ?? spec.settings.defaultConsumer))].sort();
}

/**
 * Writes the bootstrap manifests (docs/consumers.md) to `edgeplane-bootstrap`; a commit only when they changed.
 * A broken template override of the spec repo is a problem of this reconcile, not a failure of it.
 */
async function writeBootstrap(
  options: ReconcileOptions,
  context: { spec: Spec; files: SpecFiles; target: OutputTarget; writer: ObjectWriter; now: Date; problems: ProblemList },
): Promise<string | null> {
  if (options.bootstrap === false) return null;
  const { spec, files, target, writer, now, problems } = context;
  try {
    return await publishBootstrap({ spec, specFiles: files.files, target, createSink: () => createSink(writer, target.gitdir), now });
  } catch (error) {
    if (!(error instanceof RenderError)) throw error;
    problems.report({
      code: 'template',
      file: error.file ?? 'templates/bootstrap',
      line: error.line ?? 0,
      col: error.col ?? 0,
      message: `bootstrap template: ${error.message}`,
      hint: error.hint,
    });
    return null;
  }
}

function createSink(writer: ObjectWriter, gitdir: string): ObjectSink {
  return writer === 'pack' ? new PackSink(gitdir) : new IsoGitSink(gitdir);
}
