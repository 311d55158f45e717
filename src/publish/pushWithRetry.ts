import { EdgeplaneError } from '../errors/edgeplaneError.js';
import type { ObjectSink } from '../git/objectSink.js';
import { listRefs, updateRefs, type RefUpdate } from '../git/refs.js';
import { fetchRefs, pushRefs, type PushRefResult } from '../git/remote.js';
import type { OutputTarget } from './outputTarget.js';

/** What the push did, after retries. */
export interface PushReport {
  pushed: number;
  /** Refs that needed a fetch and a new commit on top of someone else's push. */
  rebased: string[];
  attempts: number;
}

export interface PushOptions {
  target: OutputTarget;
  updates: readonly RefUpdate[];
  createSink: () => ObjectSink;
  /** The same change on top of `remoteHead`; null when the remote already has it. */
  rebase: (sink: ObjectSink, ref: string, remoteHead: string) => Promise<string | null>;
}

const MAX_ATTEMPTS = 4;

/**
 * Pushes the updated refs, fast-forward only. A ref the remote moved meanwhile is fetched, the change is
 * committed again on top of the remote's head, and pushed again: no commit on the remote is ever lost.
 */
export async function pushWithRetry(options: PushOptions): Promise<PushReport> {
  const remote = options.target.remote!;
  const gitdir = options.target.gitdir;
  let pending = options.updates.map((u) => u.ref);
  const rebased = new Set<string>();
  let pushed = 0;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const results = await pushRefs({ gitdir, url: remote.url, refs: pending, ...(remote.auth ? { auth: remote.auth } : {}) });
    pushed += results.filter((r) => r.status === 'ok').length;
    const failed = results.filter((r) => r.status === 'error');
    if (failed.length > 0) throw pushError(failed);
    const rejected = results.filter((r) => r.status === 'rejected').map((r) => r.ref);
    if (rejected.length === 0) return { pushed, rebased: [...rebased].sort(), attempts: attempt };
    if (attempt === MAX_ATTEMPTS) break;

    await fetchRefs({ gitdir, url: remote.url, refspecs: rejected.map((ref) => `+${ref}:${ref}`), ...(remote.auth ? { auth: remote.auth } : {}) });
    const heads = await listRefs(gitdir, 'refs/');
    const sink = options.createSink();
    const again: RefUpdate[] = [];
    for (const ref of rejected) {
      const remoteHead = heads.get(ref)!;
      const commit = await options.rebase(sink, ref, remoteHead);
      rebased.add(ref);
      if (commit !== null) again.push({ ref, newId: commit, oldId: remoteHead });
    }
    await sink.flush();
    if (again.length > 0) await updateRefs(gitdir, again);
    pending = again.map((u) => u.ref);
    if (pending.length === 0) return { pushed, rebased: [...rebased].sort(), attempts: attempt };
  }
  throw new EdgeplaneError('PUSH_REJECTED', `the remote kept moving: ${pending.length} ref(s) still rejected after ${MAX_ATTEMPTS} attempts`, {
    refs: pending,
  });
}

function pushError(failed: PushRefResult[]): EdgeplaneError {
  const lines = failed.slice(0, 5).map((r) => `${r.ref}: ${r.message}`);
  return new EdgeplaneError('GIT_FAILED', `push failed for ${failed.length} ref(s):\n${lines.join('\n')}`, { refs: failed.map((r) => r.ref) });
}
