/**
 * Renders and writes locations on several cores: the locations to render are split into contiguous shards, one
 * per worker thread (renderWorker.ts); each parses the same spec files, renders its shard and writes its objects
 * into its own pack. The main thread keeps what must be whole: a placement failing in any shard is held in all
 * (every worker renders again with it held, as `renderHeldEverywhere` does in one thread), and the refs move in
 * one transaction once every pack is in place. The output is the same objects and refs as rendering in one
 * thread: rendering is deterministic and each location is written the same way wherever it is written.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ProblemSink } from '../errors/problem.js';
import type { SpecFiles } from '../load/spec.js';
import type { LocationCommit } from '../publish/locationCommit.js';
import type { OutputTarget } from '../publish/outputTarget.js';
import type { PublishedState } from '../publish/publishedState.js';
import type { RenderWorkerData, RenderWorkerReply, RenderWorkerRequest } from './renderWorker.js';

/** Fewer locations to render than this are rendered in the calling thread: a worker's start-up would cost more. */
export const PARALLEL_MIN_LOCATIONS = 2000;

/**
 * How many workers to use for `locations` locations to render when the caller did not say: one core is left to the
 * main thread and git, so a machine with fewer than 4 renders in one thread. Measured on 2 vCPUs (docs/performance.md):
 * 2 workers took 16.7 s for the 10,000-location cold reconcile that one thread did in 14.5 s; two vCPUs are often
 * one core's two hyperthreads, and each worker parses the spec again.
 */
export function defaultWorkers(locations: number, cores: number = availableParallelism()): number {
  if (locations < PARALLEL_MIN_LOCATIONS || cores < 4) return 1;
  return Math.min(cores - 1, 8, Math.floor(locations / (PARALLEL_MIN_LOCATIONS / 2)));
}

export interface WorkerRenderInput {
  files: SpecFiles;
  target: OutputTarget;
  published: PublishedState;
  /** The locations to render, sorted; split into `workers` contiguous shards. */
  locations: readonly string[];
  workers: number;
  now: Date;
  /** Render problems, in location order, as one thread would report them. */
  problems: ProblemSink;
  /** Called as locations are rendered, with how many more were. */
  onRendered?: (count: number) => void;
}

export interface WorkerRenderResult {
  /** Every location written, in location order; their packs are flushed and in place. */
  commits: LocationCommit[];
  /** Rendered locations whose output was already published. */
  unchanged: number;
  /** Objects the workers wrote. */
  objects: number;
  /** Placements held everywhere because they failed somewhere. */
  held: Set<string>;
}

/** Renders and writes `input.locations` in worker threads; see the module comment. */
export async function renderInWorkers(input: WorkerRenderInput): Promise<WorkerRenderResult> {
  const shards = split(input.locations, input.workers);
  const workers = shards.map((shard) => new RenderWorker(workerData(input, shard), input.onRendered));
  try {
    let held = new Set<string>();
    for (;;) {
      const replies = await Promise.all(workers.map((w) => w.request({ type: 'render', held: [...held] }, 'rendered')));
      const failed = new Set<string>();
      for (const reply of replies) {
        for (const problem of reply.problems) input.problems.report(problem);
        for (const placement of reply.failed) failed.add(placement);
      }
      if (failed.size === 0) {
        const flushed = await Promise.all(workers.map((w) => w.request({ type: 'flush' }, 'flushed')));
        return {
          commits: replies.flatMap((r) => r.commits),
          unchanged: replies.reduce((sum, r) => sum + r.unchanged, 0),
          objects: flushed.reduce((sum, r) => sum + r.objects, 0),
          held,
        };
      }
      await Promise.all(workers.map((w) => w.request({ type: 'discard' }, 'discarded')));
      held = new Set([...held, ...failed]);
    }
  } catch (error) {
    // Leave no temporary packs behind: each worker aborts its sink before it goes.
    await Promise.allSettled(workers.map((w) => w.request({ type: 'discard' }, 'discarded')));
    throw error;
  } finally {
    await Promise.allSettled(workers.map((w) => w.close()));
  }
}

function workerData(input: WorkerRenderInput, shard: string[]): RenderWorkerData {
  const { gitdir, mode, branchPrefix, folderBranch } = input.target;
  return {
    files: input.files,
    // No remote and no credentials: a worker only writes objects.
    target: { gitdir, mode, branchPrefix, folderBranch },
    published: shard.flatMap((name) => {
      const location = input.published.locations.get(name);
      return location ? [[name, location] as [string, typeof location]] : [];
    }),
    shard,
    now: input.now.getTime(),
  };
}

/** `list` in `parts` contiguous runs of nearly equal length. */
function split<T>(list: readonly T[], parts: number): T[][] {
  const n = Math.max(1, Math.min(parts, list.length));
  const runs: T[][] = [];
  for (let i = 0; i < n; i++) runs.push(list.slice(Math.floor((i * list.length) / n), Math.floor(((i + 1) * list.length) / n)));
  return runs;
}

/** A render worker failed or went away: a bug or a crash, not a problem of the spec. The reconcile wrote no ref. */
export class RenderWorkerError extends Error {
  readonly code = 'RENDER_WORKER_FAILED';

  constructor(message: string) {
    super(message);
    this.name = 'RenderWorkerError';
  }
}

type Reply<T extends RenderWorkerReply['type']> = Extract<RenderWorkerReply, { type: T }>;

/** One worker thread and its one outstanding request. */
class RenderWorker {
  readonly #worker: Worker;
  #pending: { expect: string; resolve: (reply: RenderWorkerReply) => void; reject: (error: unknown) => void } | undefined;
  #dead: unknown;

  constructor(data: RenderWorkerData, onRendered: ((count: number) => void) | undefined) {
    this.#worker = new Worker(new URL('./renderWorker.js', import.meta.url), { workerData: data });
    this.#worker.on('message', (reply: RenderWorkerReply) => {
      if (reply.type === 'progress') {
        onRendered?.(reply.done);
        return;
      }
      const pending = this.#pending;
      this.#pending = undefined;
      if (!pending) return;
      if (reply.type === 'failed') {
        const error = new RenderWorkerError(`a render worker failed: ${reply.message}`);
        if (reply.stack) error.stack = reply.stack;
        pending.reject(error);
      } else if (reply.type !== pending.expect) {
        pending.reject(new RenderWorkerError(`a render worker answered ${reply.type} instead of ${pending.expect}`));
      } else {
        pending.resolve(reply);
      }
    });
    const die = (error: unknown) => {
      this.#dead ??= error;
      this.#pending?.reject(error);
      this.#pending = undefined;
    };
    this.#worker.on('error', die);
    this.#worker.on('exit', (code) => die(new RenderWorkerError(`a render worker exited (code ${code})`)));
  }

  request<T extends RenderWorkerReply['type']>(message: RenderWorkerRequest, expect: T): Promise<Reply<T>> {
    if (this.#dead !== undefined) return Promise.reject(this.#dead);
    return new Promise((resolve, reject) => {
      this.#pending = { expect, resolve: resolve as (reply: RenderWorkerReply) => void, reject };
      this.#worker.postMessage(message);
    });
  }

  async close(): Promise<void> {
    this.#dead ??= new RenderWorkerError('the render worker was closed');
    await this.#worker.terminate();
  }
}
