import type { Problem } from '../errors/problem.js';
import { ProblemList } from '../errors/problem.js';
import { IsoGitSink } from '../git/isoGitSink.js';
import type { ObjectSink } from '../git/objectSink.js';
import { PackSink } from '../git/packSink.js';
import type { OutputTarget } from '../publish/outputTarget.js';
import { readPublishedState } from '../publish/publishedState.js';
import { Publisher, type PublishResult } from '../publish/publisher.js';
import { loadSpec, type SpecSource } from './loadSpec.js';
import { openOutput, type OutputOverrides } from './openOutput.js';
import { prepareFleet, renderHeldEverywhere, type RenderedLocation } from './renderFleet.js';

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
}

/**
 * One reconcile: load the spec commit ─► open the output ─► read what is published ─► schedule and
 * compile ─► render, compose and publish each location ─► write refs ─► push. Spec problems stop it before
 * anything is written (InvalidSpecError); a placement with render problems is held at its last good output
 * everywhere, the others go on, and the problems are returned.
 */
export async function reconcile(options: ReconcileOptions): Promise<ReconcileResult> {
  const { spec, gitdir } = await loadSpec(options.source);
  const target = await openOutput(spec.settings, options.source, gitdir, options.output);
  const published = await readPublishedState(target);
  const fleet = prepareFleet(spec, published);
  const problems = new ProblemList();
  const retired = new Set(fleet.retired);
  const total = fleet.assignments.size + fleet.retired.length;
  let publisher: Publisher | undefined;
  let result = { created: [] as string[], updated: [] as string[], retired: [] as string[], unchanged: 0 };
  const held = await renderHeldEverywhere(fleet, target, published, problems, async () => {
    await publisher?.discard();
    publisher = new Publisher({
      target,
      published,
      createSink: () => createSink(options.writer ?? 'pack', target.gitdir),
      sourceCommit: spec.commit,
      now: options.now ?? new Date(),
    });
    result = { created: [], updated: [], retired: [], unchanged: 0 };
    let done = 0;
    return ({ tree }: RenderedLocation) => {
      const change = publisher!.add(tree);
      if (change === 'unchanged') result.unchanged++;
      else result[retired.has(tree.location) ? 'retired' : change].push(tree.location);
      options.onProgress?.(++done, total);
    };
  });
  const publish = await publisher!.finish();
  return { specCommit: spec.commit, target, ...result, held: [...held].sort(), problems: problems.problems, publish };
}

function createSink(writer: ObjectWriter, gitdir: string): ObjectSink {
  return writer === 'pack' ? new PackSink(gitdir) : new IsoGitSink(gitdir);
}
