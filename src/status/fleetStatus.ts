import type { ResolvedSettings } from '../api/settings.js';
import { PackSink } from '../git/packSink.js';
import { fetchRefs } from '../git/remote.js';
import type { Spec } from '../load/spec.js';
import type { OutputTarget } from '../publish/outputTarget.js';
import { readPublishedState } from '../publish/publishedState.js';
import { writeBranch } from '../publish/writeBranch.js';
import { loadSpec, type SpecSource } from '../reconcile/loadSpec.js';
import { openOutput, type OutputOverrides } from '../reconcile/openOutput.js';
import { schedule } from '../schedule/schedule.js';
import type { CollectedReports, OutputRevision, ReportEntry } from './outputRevision.js';
import { readReports } from './readReports.js';
import { renderStatusFiles } from './render/statusFiles.js';
import { resolveRevisions, revisionKey, type RevisionRequest } from './resolveRevisions.js';
import { summarize } from './summarize.js';
import type { Summary } from './summary.js';

export interface FleetStatusOptions {
  source: SpecSource;
  output?: OutputOverrides;
  /** The clock of the staleness rule. Default: the current time. */
  now?: Date;
  /** Overrides `spec.status.staleAfter` of edgeplane.yaml. */
  staleAfter?: string;
  /**
   * Builds reports at the center (from a hub Argo CD, from Flux at each location) once the spec and output
   * are known; per location the newer of these and the one in Git wins.
   */
  collectReports?: (context: { spec: Spec; target: OutputTarget }) => Promise<CollectedReports>;
}


/** A computed summary and where it came from. */
export interface FleetStatus {
  summary: Summary;
  spec: Spec;
  target: OutputTarget;
  settings: ResolvedSettings;
}

/**
 * The fleet's status now: load the spec ─► open the output (fetching location, report and status refs from a
 * remote) ─► read what is published ─► read every report ─► resolve the revisions they applied ─► summarize.
 * Reads only; `commitFleetStatus` writes.
 */
export async function computeFleetStatus(options: FleetStatusOptions): Promise<FleetStatus> {
  const { spec, gitdir } = await loadSpec(options.source);
  const settings = spec.settings;
  const target = await openOutput(settings, options.source, gitdir, options.output);
  if (target.remote) await fetchStatusRefs(target, settings);
  const published = await readPublishedState(target);
  const read = await readReports(target.gitdir, settings.reportBranchPrefix);
  const collected = options.collectReports ? await options.collectReports({ spec, target }) : { reports: [], notes: [] };
  const notes = [...read.notes, ...collected.notes];
  const reports = new Map(read.reports);
  for (const report of collected.reports) {
    const known = reports.get(report.metadata.name);
    if (!known || Date.parse(report.status.observedAt) > Date.parse(known.status.observedAt)) reports.set(report.metadata.name, report);
  }
  const inventory = new Set(spec.locations.map((l) => l.value.metadata.name));
  for (const location of reports.keys()) {
    if (!inventory.has(location)) notes.push(`report of ${location}: the location is not in the inventory; the report is ignored`);
  }

  const requests: RevisionRequest[] = [];
  for (const [location, p] of published.locations) requests.push({ location, commit: p.commit });
  for (const [location, report] of reports) {
    if (report.status.applied?.commit) requests.push({ location, commit: report.status.applied.commit });
  }
  const revisions = await resolveRevisions(target, requests);
  const publishedRevisions = new Map<string, OutputRevision>();
  for (const [location, p] of published.locations) {
    publishedRevisions.set(
      location,
      revisions.get(revisionKey(location, p.commit)) ?? { commit: p.commit, ...(p.digest ? { digest: p.digest } : {}), placements: new Map() },
    );
  }
  const entries = new Map<string, ReportEntry>();
  for (const [location, report] of reports) {
    if (!inventory.has(location)) continue;
    const commit = report.status.applied?.commit;
    const applied = commit ? revisions.get(revisionKey(location, commit)) : undefined;
    entries.set(location, applied ? { report, applied } : { report });
  }
  const locations = spec.locations.map((l) => l.value);
  const placements = spec.placements.map((p) => p.value);
  const summary = summarize({
    specCommit: spec.commit,
    locations,
    placements,
    assignments: schedule(locations, placements),
    published: publishedRevisions,
    reports: entries,
    collectors: new Map([...spec.collectors].map(([name, c]) => [name, c.program])),
    now: options.now ?? new Date(),
    staleAfter: options.staleAfter ?? settings.staleAfter,
    notes,
  });
  return { summary, spec, target, settings };
}

/**
 * Writes the summary to the status branch: one commit when its files differ from the branch's tree, none
 * when they are the same; an atomic ref update; a fast-forward push when the output is remote. Returns the
 * new commit, or null when nothing changed.
 */
export async function commitFleetStatus(status: FleetStatus, now: Date): Promise<string | null> {
  const { summary, target, settings } = status;
  const files = renderStatusFiles(summary);
  const counts = summary.fleet;
  const subject = `status: ${counts.healthy}/${summary.locations} healthy, ${counts.degraded} degraded, ${counts.pending} pending, ${counts.stale} stale, ${counts.unknown} unknown`;
  return writeBranch(
    { ref: `refs/heads/${settings.statusBranch}`, files, subject, sourceCommit: summary.specCommit },
    { target, createSink: () => new PackSink(target.gitdir), now },
  );
}

/** Mirrors the remote's report branches and status branch, so what is summarized is what edges pushed. */
async function fetchStatusRefs(target: OutputTarget, settings: ResolvedSettings): Promise<void> {
  const remote = target.remote!;
  const auth = remote.auth ? { auth: remote.auth } : {};
  const reports = `refs/heads/${settings.reportBranchPrefix}*`;
  await fetchRefs({ gitdir: target.gitdir, url: remote.url, refspecs: [`+${reports}:${reports}`], ...auth });
  const status = `refs/heads/${settings.statusBranch}`;
  await fetchRefs({ gitdir: target.gitdir, url: remote.url, refspecs: [`+${status}:${status}`], ...auth }).catch((error: unknown) => {
    // No status branch before the first summary is committed.
    if (!/couldn't find remote ref/i.test(String((error as Error).message))) throw error;
  });
}

export type { CollectedReports };
