import { parse } from 'yaml';
import { listRefs, readCommitFiles } from '../git/refs.js';
import type { ObjectSink } from '../git/objectSink.js';
import { toCanonicalYaml } from '../render/canonicalYaml.js';
import type { RolloutRecord } from '../rollout/rolloutRecord.js';
import type { OutputTarget } from './outputTarget.js';
import { writeBranch } from './writeBranch.js';

/** The branch of the output repo holding every placement's rollout record. */
export const ROLLOUTS_BRANCH = 'edgeplane-rollouts';
export const ROLLOUTS_REF = `refs/heads/${ROLLOUTS_BRANCH}`;

/** The file of a placement's record on the rollouts branch. */
export function rolloutFile(placement: string): string {
  return `rollouts/${placement}.yaml`;
}

/**
 * Every rollout record on `edgeplane-rollouts`, by placement, and the branch's other files (pull request
 * plans). Empty before the first rollout. A record that does not parse is left out: its placement starts
 * over, which is safe (a start holds every unreleased location).
 */
export async function readRolloutRecords(gitdir: string): Promise<{ records: Map<string, RolloutRecord>; others: Map<string, string> }> {
  const head = (await listRefs(gitdir, ROLLOUTS_REF)).get(ROLLOUTS_REF) ?? null;
  const records = new Map<string, RolloutRecord>();
  const others = new Map<string, string>();
  if (head === null) return { records, others };
  for (const [file, text] of await readCommitFiles(gitdir, head)) {
    if (!/^rollouts\/[^/]+\.yaml$/.test(file)) {
      others.set(file, text);
      continue;
    }
    try {
      const record = parse(text) as RolloutRecord | null;
      if (record && typeof record.placement === 'string') records.set(record.placement, normalize(record));
    } catch {
      // An unreadable record: its placement starts a fresh rollout.
    }
  }
  return { records, others };
}

/** Optional fields a hand-edited record may lack. */
function normalize(record: RolloutRecord): RolloutRecord {
  return { ...record, approvals: record.approvals ?? [], failures: record.failures ?? [], pullRequests: record.pullRequests ?? [] };
}

/** A record as it is stored: canonical YAML, so an unchanged record is an unchanged blob. */
export function recordText(record: RolloutRecord): string {
  return toCanonicalYaml(JSON.parse(JSON.stringify(record)) as unknown);
}

/**
 * Writes the records (and any extra files, such as pull request plans) as the whole tree of
 * `edgeplane-rollouts`: one commit when something changed, none otherwise. Returns the commit or null.
 */
export async function writeRolloutRecords(
  records: ReadonlyMap<string, RolloutRecord>,
  context: { target: OutputTarget; createSink: () => ObjectSink; now: Date; subject: string; sourceCommit: string; extra?: ReadonlyMap<string, string> },
): Promise<string | null> {
  const files = new Map<string, string>();
  for (const placement of [...records.keys()].sort()) files.set(rolloutFile(placement), recordText(records.get(placement)!));
  for (const [path, text] of context.extra ?? []) files.set(path, text);
  const sorted = new Map([...files].sort(([a], [b]) => (a < b ? -1 : 1)));
  return writeBranch(
    { ref: ROLLOUTS_REF, files: sorted, subject: context.subject, sourceCommit: context.sourceCommit },
    { target: context.target, createSink: context.createSink, now: context.now },
  );
}
