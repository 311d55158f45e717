import { REPORT_FILE, type LocationReport } from '../api/locationReport.js';
import { PackSink } from '../git/packSink.js';
import { encodeCommit, TreeBuilder, type Signature } from '../git/objects.js';
import { listRefs, updateRefs } from '../git/refs.js';
import { fetchRefs, pushRefs, type RemoteAuth } from '../git/remote.js';
import { toCanonicalYaml } from '../render/canonicalYaml.js';

/** Where a location's reports go. */
export interface ReportBranch {
  /** A local (bare) repository that keeps the report commits, pushed or not. */
  gitdir: string;
  /** Full ref, `refs/heads/edgeplane-reports/<location>`. */
  ref: string;
  /** The output repo to push to; absent: the local repository is the output repo. */
  remote?: { url: string; auth?: RemoteAuth | undefined } | undefined;
}

/** What `publishReport` did. */
export interface PublishedReport {
  /** The new report commit (the local ref points at it). */
  commit: string;
  /** `pushed`: the remote has it; `local`: no remote; `offline`: the push failed, it stays local until the next one. */
  delivery: 'pushed' | 'local' | 'offline';
  /** Why an offline push failed. */
  error?: string;
}

const REPORTER: Omit<Signature, 'timestamp'> = { name: 'edgeplane agent', email: 'edgeplane@localhost', tzOffset: '+0000' };

/** Remote-tracking ref of a report branch: the last head the remote is known to have. */
export function trackingRef(ref: string): string {
  return ref.replace(/^refs\/heads\//, 'refs/remotes/output/');
}

/**
 * Commits `report` (as canonical YAML `report.yaml`, the whole tree) on its report branch and pushes it,
 * fast-forward only. The commit's parent is the last head the remote is known to have, not an unpushed
 * predecessor: while Git is unreachable each new report replaces the previous unpushed one, so reconnecting
 * pushes only the latest. A push the remote rejects (its head moved, e.g. after the agent lost its state) is
 * fetched and the report committed again on top of it. Never throws for an unreachable remote.
 */
export async function publishReport(branch: ReportBranch, report: LocationReport, now: Date): Promise<PublishedReport> {
  const tracking = trackingRef(branch.ref);
  const refs = await listRefs(branch.gitdir, branch.ref);
  const local = refs.get(branch.ref) ?? null;
  let base = branch.remote ? ((await listRefs(branch.gitdir, tracking)).get(tracking) ?? null) : local;
  let commit = await commitReport(branch, report, base, local, now);
  if (!branch.remote) return { commit, delivery: 'local' };

  for (let attempt = 0; attempt < 3; attempt++) {
    const pushed = await pushRefs({ gitdir: branch.gitdir, url: branch.remote.url, refs: [branch.ref], ...auth(branch) }).catch((error: unknown) => [
      { ref: branch.ref, status: 'error' as const, message: (error as Error).message },
    ]);
    const result = pushed[0]!;
    if (result.status === 'ok' || result.status === 'up-to-date') {
      await updateRefs(branch.gitdir, [{ ref: tracking, newId: commit, oldId: base }]);
      return { commit, delivery: 'pushed' };
    }
    if (result.status === 'error') return { commit, delivery: 'offline', error: result.message };
    // Rejected: someone (an earlier life of this agent) pushed reports we do not have. Build on theirs.
    const fetched = await fetchRefs({ gitdir: branch.gitdir, url: branch.remote.url, refspecs: [`+${branch.ref}:${tracking}`], ...auth(branch) }).then(
      () => true,
      () => false,
    );
    if (!fetched) return { commit, delivery: 'offline', error: result.message };
    base = (await listRefs(branch.gitdir, tracking)).get(tracking) ?? null;
    commit = await commitReport(branch, report, base, commit, now);
  }
  return { commit, delivery: 'offline', error: 'the remote report branch kept moving' };
}

/** Writes the report commit on top of `parent` and moves the local ref from `current` to it. */
async function commitReport(branch: ReportBranch, report: LocationReport, parent: string | null, current: string | null, now: Date): Promise<string> {
  const sink = new PackSink(branch.gitdir);
  const blob = sink.add('blob', Buffer.from(toCanonicalYaml(report)));
  const built = new TreeBuilder().add(REPORT_FILE, blob).build();
  for (const object of built.objects) sink.add(object.type, object.body);
  const who: Signature = { ...REPORTER, timestamp: Math.floor(now.getTime() / 1000) };
  const message = `report: ${report.metadata.name} at ${report.status.observedAt}\n`;
  const commit = sink.add('commit', encodeCommit({ tree: built.rootId, parents: parent ? [parent] : [], author: who, committer: who, message }));
  await sink.flush();
  if (commit !== current) await updateRefs(branch.gitdir, [{ ref: branch.ref, newId: commit, oldId: current }]);
  return commit;
}

function auth(branch: ReportBranch): { auth?: RemoteAuth } {
  return branch.remote?.auth ? { auth: branch.remote.auth } : {};
}
