import { parse } from 'yaml';
import { DEFAULT_REPORT_BRANCH_PREFIX, REPORT_FILE, type LocationReport } from '../api/locationReport.js';
import { validateAgainstSchema } from '../api/schemas.js';
import { listRefs, readBlobs } from '../git/refs.js';

/** The reports found in a repository, and why some could not be used. */
export interface ReadReports {
  /** Location → its report, for every valid report. */
  reports: Map<string, LocationReport>;
  /** Location → the report commit it was read from. */
  commits: Map<string, string>;
  /** One line per report that could not be used, sorted. */
  notes: string[];
}

/**
 * Reads every location's latest report: one `git for-each-ref` for the report branches and one
 * `git cat-file --batch` for all their `report.yaml`, however many locations report. A report that does not
 * parse, fails its schema or names another location is left out and noted, never fatal.
 */
export async function readReports(gitdir: string, branchPrefix: string = DEFAULT_REPORT_BRANCH_PREFIX): Promise<ReadReports> {
  const prefix = `refs/heads/${branchPrefix}`;
  const heads = [...(await listRefs(gitdir, prefix))].sort(([a], [b]) => (a < b ? -1 : 1));
  const specs = heads.map(([, commit]) => `${commit}:${REPORT_FILE}`);
  const blobs = await readBlobs(gitdir, specs);
  const reports = new Map<string, LocationReport>();
  const commits = new Map<string, string>();
  const notes: string[] = [];
  for (const [ref, commit] of heads) {
    const location = ref.slice(prefix.length);
    const blob = blobs.get(`${commit}:${REPORT_FILE}`);
    const where = `report of ${location} (${ref.slice('refs/heads/'.length)} at ${commit.slice(0, 12)})`;
    if (!blob) {
      notes.push(`${where}: no ${REPORT_FILE}; the location counts as unknown`);
      continue;
    }
    const parsed = parseReport(blob.toString('utf8'));
    if ('problem' in parsed) {
      notes.push(`${where}: ${parsed.problem}; the location counts as unknown`);
      continue;
    }
    if (parsed.report.metadata.name !== location) {
      notes.push(`${where}: it is about ${JSON.stringify(parsed.report.metadata.name)}; the location counts as unknown`);
      continue;
    }
    reports.set(location, parsed.report);
    commits.set(location, commit);
  }
  return { reports, commits, notes: notes.sort() };
}

/** A report file's text as a LocationReport, or what is wrong with it (the first three schema issues). */
export function parseReport(text: string): { report: LocationReport } | { problem: string } {
  let value: unknown;
  try {
    value = parse(text);
  } catch (error) {
    return { problem: `invalid YAML: ${(error as Error).message.split('\n')[0]}` };
  }
  const issues = validateAgainstSchema('LocationReport', value);
  if (issues.length > 0) {
    const shown = issues.slice(0, 3).map((i) => `${i.path.length > 0 ? i.path.join('.') : '(document)'}: ${i.message}`);
    return { problem: `not a valid LocationReport: ${shown.join('; ')}${issues.length > 3 ? `; and ${issues.length - 3} more` : ''}` };
  }
  return { report: value as LocationReport };
}
