import { parse as parseYaml } from 'yaml';
import { resolveSettings, type ResolvedSettings, type Settings } from '../api/settings.js';
import { readBlobs } from '../git/refs.js';
import { fetchRefs } from '../git/remote.js';
import { isRemote, localRepo } from '../load/readSpecFiles.js';
import { cachePath, type SpecSource } from '../reconcile/loadSpec.js';
import type { ReconcileResult } from '../reconcile/reconcile.js';
import type { Summary } from '../status/summary.js';
import type { Clock } from './clock.js';
import { fleetViewOf, readCommittedSummaries, readReportAges, readSpecAt, scheduleSummaries, type FleetView } from './fleetView.js';
import type { Logger } from './logger.js';

/**
 * Keeps what the status page and the report-age metric show, refreshed after each reconcile: the fleet view
 * (from the summary just computed, else the committed one, else the schedule of the spec commit) and the age of
 * every location's newest report. Best effort: a failure is shown on the page and logged, never fails a run.
 */
export class FleetReader {
  view: FleetView | undefined;
  error: string | undefined;
  reportAges: number[] = [];
  readonly #clock: Clock;
  readonly #logger: Logger;
  #settings: { commit: string; settings: ResolvedSettings } | undefined;
  #scheduleView: { commit: string; view: FleetView } | undefined;

  constructor(clock: Clock, logger: Logger) {
    this.#clock = clock;
    this.#logger = logger;
  }

  /**
   * Reads the fleet after a reconcile. `computed` is the summary this replica just wrote (the elected one);
   * the others fetch the status branch and the report refs of a remote output first.
   */
  async refresh(result: ReconcileResult, source: SpecSource, computed: Summary | undefined): Promise<void> {
    const target = result.target;
    try {
      const specGitdir = isRemote(source.repo) ? cachePath(source.cacheDir, source.repo) : localRepo(source.repo).gitdir;
      const settings = await this.#settingsAt(specGitdir, result.specCommit);
      if (target.remote && !computed) {
        const auth = target.remote.auth ? { auth: target.remote.auth } : {};
        for (const ref of [`refs/heads/${settings.statusBranch}`, `refs/heads/${settings.reportBranchPrefix}*`]) {
          await fetchRefs({ gitdir: target.gitdir, url: target.remote.url, refspecs: [`+${ref}:${ref}`], ...auth }).catch((error: unknown) => {
            // No status branch before the first summary.
            if (!/couldn't find remote ref/i.test((error as Error).message)) throw error;
          });
        }
      }
      this.reportAges = await readReportAges(target.gitdir, settings.reportBranchPrefix, this.#clock.now());
      const summaries = computed?.placements ?? (await readCommittedSummaries(target.gitdir, settings.statusBranch));
      if (summaries) {
        this.view = fleetViewOf('summary', computed?.specCommit ?? summaries[0]?.status.specCommit ?? result.specCommit, summaries);
      } else {
        if (this.#scheduleView?.commit !== result.specCommit) {
          const spec = await readSpecAt(specGitdir, result.specCommit);
          this.#scheduleView = { commit: result.specCommit, view: fleetViewOf('schedule', result.specCommit, scheduleSummaries(spec)) };
        }
        this.view = this.#scheduleView.view;
      }
      this.error = undefined;
    } catch (error) {
      this.error = `could not read the fleet's status: ${(error as Error).message}`;
      this.#logger.warn({ err: error }, 'reading the fleet status for the status page failed');
    }
  }

  /** The spec's `edgeplane.yaml` settings at a commit (branch names of status and reports). */
  async #settingsAt(gitdir: string, commit: string): Promise<ResolvedSettings> {
    if (this.#settings?.commit === commit) return this.#settings.settings;
    const file = `${commit}:edgeplane.yaml`;
    const text = (await readBlobs(gitdir, [file])).get(file);
    let settings = resolveSettings(undefined);
    try {
      if (text) settings = resolveSettings((parseYaml(text.toString('utf8')) as Settings | null) ?? undefined);
    } catch {
      // The reconcile validated this file; an unreadable one here only means defaults for the page.
    }
    this.#settings = { commit, settings };
    return settings;
  }
}
