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
   * Threads that render and write locations (`pack` writer, branch mode). Default: the machine's available
   * parallelism, when at least 1,000 locations need rendering (renderInWorkers.ts); 1 renders in this thread.
   * The output is the same either way.
   */
  workers?: number;
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
}

/**
 * One reconcile: load the spec commit ─► open the output ─► read what is published ─► schedule and
 * compile ─► render, compose and publish each location ─► write refs ─► push. Spec problems stop it before
 * anything is written (InvalidSpecError); a placement with render problems is held at its last good output
 * everywhere, the others go on, and the problems are returned.
 */
export async function reconcile(options: ReconcileOptions): Promise<ReconcileResult> {
  const { spec, gitdir, files } = await loadSpec(options.source);
  const target = await openOutput(spec.settings, options.source, gitdir, options.output);
  const published = await readPublishedState(target);
  const fleet = prepareFleet(spec, published, options.shard);
  const problems = new ProblemList();
  const retired = new Set(fleet.retired);
  const total = fleet.assignments.size + fleet.retired.length;
  let publisher: Publisher | undefined;
  let result = { created: [] as string[], updated: [] as string[], retired: [] as string[], unchanged: 0 };
  let done = 0;
  const writer = options.writer ?? 'pack';
  const now = options.now ?? new Date();
  // Many locations to render: on every core (renderInWorkers.ts), the same objects and refs as in one thread.
  if (writer === 'pack' && target.mode === 'branch') {
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
      return { specCommit: spec.commit, target, ...result, held: [...rendered.held].sort(), problems: problems.problems, publish, bootstrap, consumers: consumersOf(spec) };
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
  }, { onUnchanged });
  const publish = await publisher!.finish();
  const bootstrap = await writeBootstrap(options, { spec, files, target, writer, now, problems });
  return { specCommit: spec.commit, target, ...result, held: [...held].sort(), problems: problems.problems, publish, bootstrap, consumers: consumersOf(spec) };
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
