/**
 * A worker thread of a parallel reconcile (renderInWorkers.ts): parses the spec files it is given, renders its
 * shard of the locations and writes their trees and commits into a pack of its own. It publishes nothing: the
 * main thread adopts its commits and moves every ref in one transaction.
 *
 * Messages in: `render` (with the held placements), `flush`, `discard`. Messages out: `progress`, `rendered`,
 * `flushed`, `discarded`, `failed`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Problem } from '../errors/problem.js';
import { ProblemList } from '../errors/problem.js';
import { PackSink } from '../git/packSink.js';
import { parseSpec } from '../load/parseSpec.js';
import type { SpecFiles } from '../load/spec.js';
import { writeLocation, type LocationCommit } from '../publish/locationCommit.js';
import type { OutputTarget } from '../publish/outputTarget.js';
import type { PublishedLocation, PublishedState } from '../publish/publishedState.js';
import { prepareFleet, renderFleet } from './renderFleet.js';

/** What a worker starts with. */
export interface RenderWorkerData {
  files: SpecFiles;
  target: OutputTarget;
  /** What is published for the locations of the shard. */
  published: [string, PublishedLocation][];
  /** The locations this worker renders, retired ones included. */
  shard: string[];
  /** The reconcile's `now`, in milliseconds. */
  now: number;
}

export type RenderWorkerRequest = { type: 'render'; held: string[] } | { type: 'flush' } | { type: 'discard' };

export type RenderWorkerReply =
  | { type: 'progress'; done: number }
  | {
      type: 'rendered';
      /** Placements that failed here and were not held: the main thread holds them and asks again. */
      failed: string[];
      problems: Problem[];
      /** Written locations, in location order; empty when something failed. */
      commits: LocationCommit[];
      unchanged: number;
    }
  | { type: 'flushed'; objects: number }
  | { type: 'discarded' }
  | { type: 'failed'; message: string; stack?: string };

const PROGRESS_EVERY = 50;

const data = workerData as RenderWorkerData;
const port = parentPort!;
const setup = new ProblemList();
const spec = parseSpec(data.files, setup);
const published: PublishedState = { locations: new Map(data.published), folderHead: null };
const shard = new Set(data.shard);
const fleet = prepareFleet(spec, published, (name) => shard.has(name));
let sink: PackSink | undefined;

async function render(held: ReadonlySet<string>): Promise<RenderWorkerReply> {
  await sink?.abort();
  sink = new PackSink(data.target.gitdir);
  const context = { mode: data.target.mode, sourceCommit: spec.commit, now: new Date(data.now) };
  const problems: Problem[] = [];
  const failed = new Set<string>();
  const commits: LocationCommit[] = [];
  let unchanged = 0;
  let done = 0;
  const progress = () => {
    if (++done % PROGRESS_EVERY === 0) port.postMessage({ type: 'progress', done: PROGRESS_EVERY } satisfies RenderWorkerReply);
  };
  await renderFleet(
    fleet,
    data.target,
    published,
    held,
    (rendered) => {
      problems.push(...rendered.render.problems);
      for (const placement of rendered.render.failed) if (!held.has(placement)) failed.add(placement);
      // After a new failure this pass only finds out what else fails: it will be rendered again, held.
      if (failed.size === 0) {
        const written = writeLocation(sink!, rendered.tree, rendered.published, context);
        if (written) commits.push(written);
        else unchanged++;
      }
      progress();
    },
    {
      onUnchanged: () => {
        unchanged++;
        progress();
      },
    },
  );
  if (done % PROGRESS_EVERY !== 0) port.postMessage({ type: 'progress', done: done % PROGRESS_EVERY } satisfies RenderWorkerReply);
  return { type: 'rendered', failed: [...failed], problems, commits: failed.size === 0 ? commits : [], unchanged };
}

async function handle(request: RenderWorkerRequest): Promise<RenderWorkerReply> {
  switch (request.type) {
    case 'render':
      if (!setup.empty) throw new Error(`the spec did not parse in a worker: ${setup.problems[0]!.message}`);
      return render(new Set(request.held));
    case 'flush':
      await sink!.flush();
      return { type: 'flushed', objects: sink!.count };
    case 'discard':
      await sink?.abort();
      sink = undefined;
      return { type: 'discarded' };
  }
}

port.on('message', (request: RenderWorkerRequest) => {
  handle(request).then(
    (reply) => port.postMessage(reply),
    (error: unknown) => {
      void sink?.abort();
      const reply: RenderWorkerReply =
        error instanceof Error ? { type: 'failed', message: error.message, ...(error.stack ? { stack: error.stack } : {}) } : { type: 'failed', message: String(error) };
      port.postMessage(reply);
    },
  );
});
