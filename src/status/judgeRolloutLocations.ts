import type { ObjectReport } from '../api/locationReport.js';
import type { ResolvedSettings } from '../api/settings.js';
import type { OutputTarget } from '../publish/outputTarget.js';
import type { PublishedState } from '../publish/publishedState.js';
import { fileNameOf } from '../render/locationTree.js';
import { parseDuration } from '../rollout/duration.js';
import type { OutputRevision, ReportEntry } from './outputRevision.js';
import { judgePlacement } from './placementState.js';
import { readReports } from './readReports.js';
import { resolveRevisions, revisionKey, type RevisionRequest } from './resolveRevisions.js';
import type { LocationState } from './summary.js';

/** Where a placement stands at a location: the same judgement as the status summaries (placementState.ts). */
export type JudgeLocation = (placement: string, location: string) => LocationState;

/**
 * Reads every location's report once and returns the judge the rollout gates use: a location is `healthy`
 * for a placement when its report applied what is published for it now and the placement's objects are
 * healthy (docs/status.md, "Implicit status"). Reads only.
 */
export async function judgeRolloutLocations(context: {
  target: OutputTarget;
  settings: ResolvedSettings;
  published: PublishedState;
  now: Date;
}): Promise<JudgeLocation> {
  const { target, settings, published, now } = context;
  const read = await readReports(target.gitdir, settings.reportBranchPrefix);
  const requests: RevisionRequest[] = [];
  for (const [location, p] of published.locations) requests.push({ location, commit: p.commit });
  for (const [location, report] of read.reports) {
    if (report.status.applied?.commit) requests.push({ location, commit: report.status.applied.commit });
  }
  const revisions = await resolveRevisions(target, requests);
  const publishedRevision = (location: string): OutputRevision | undefined => {
    const p = published.locations.get(location);
    if (!p) return undefined;
    return revisions.get(revisionKey(location, p.commit)) ?? { commit: p.commit, ...(p.digest ? { digest: p.digest } : {}), placements: new Map() };
  };
  const entries = new Map<string, ReportEntry>();
  const byFile = new Map<string, Map<string, ObjectReport>>();
  for (const [location, report] of read.reports) {
    const commit = report.status.applied?.commit;
    const applied = commit ? revisions.get(revisionKey(location, commit)) : undefined;
    entries.set(location, applied ? { report, applied } : { report });
    const files = new Map<string, ObjectReport>();
    for (const object of report.status.objects ?? []) {
      const metadata = object.namespace ? { name: object.name, namespace: object.namespace } : { name: object.name };
      files.set(fileNameOf({ apiVersion: object.apiVersion, kind: object.kind, metadata }), object);
    }
    byFile.set(location, files);
  }
  const staleAfterMs = parseDuration(settings.staleAfter) ?? 15 * 60_000;
  return (placement, location) =>
    judgePlacement({
      placement,
      published: publishedRevision(location),
      entry: entries.get(location),
      objectsByFile: byFile.get(location),
      now: now.getTime(),
      staleAfterMs,
    }).state;
}
