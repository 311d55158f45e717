/**
 * The script as the person who reviews rollouts: it watches the forge for the pull requests edgeplane opens
 * (one per wave), records when each appears, asks the scenario's policy whether to merge it, and merges it with
 * the forge's merge button, as a release manager would. The next reconcile sees the merge and releases the wave.
 * It looks at a pull request only once the rollout record names it (see `#recorded`).
 */
import { readRolloutRecords } from '../../publish/rolloutRecords.js';
import type { ForgePullRequestView, ForgeServer } from '../../simulate/forge/forgeServer.js';
import type { ScenarioRecorder } from './scenarioRecorder.js';

/** A wave's pull request as the reviewer saw it (epoch ms). */
export interface ReviewedPull {
  number: number;
  placement: string;
  wave: string;
  title: string;
  openedAtMs: number;
  mergedAtMs: number | null;
  closed: boolean;
  /** What the policy said when it merged (or last refused). */
  note: string;
}

/** Whether to merge a wave's pull request now: `merge`, or `wait` with why (asked again shortly). */
export type ReviewDecision = { merge: true; note: string } | { merge: false; why: string };

/** The scenario's review rule. */
export type ReviewPolicy = (pull: ReviewedPull) => ReviewDecision | Promise<ReviewDecision>;

/** Merges every wave's pull request as soon as it appears. */
export const MERGE_AT_ONCE: ReviewPolicy = () => ({ merge: true, note: 'merged as it appeared' });

/** The reviewing loop; `start()` it once, `stop()` at the end. */
export class Reviewer {
  readonly pulls = new Map<number, ReviewedPull>();
  /** The rule in force; scenarios set their own. */
  policy: ReviewPolicy = MERGE_AT_ONCE;
  /** Merge failures the forge answered, for the scenario's checks. */
  readonly failures: string[] = [];
  readonly #forge: ForgeServer;
  readonly #recorder: ScenarioRecorder;
  readonly #log: (line: string) => void;
  #timer: NodeJS.Timeout | undefined;
  #busy: Promise<void> | undefined;
  #stopped = false;

  readonly #gitdir: string;

  /** `gitdir`: the output repository, whose `edgeplane-rollouts` holds the records. */
  constructor(forge: ForgeServer, gitdir: string, recorder: ScenarioRecorder, log: (line: string) => void) {
    this.#forge = forge;
    this.#gitdir = gitdir;
    this.#recorder = recorder;
    this.#log = log;
  }

  /** Looks at the forge every `intervalMs`. */
  start(intervalMs = 250): void {
    const tick = (): void => {
      if (this.#stopped) return;
      this.#busy = this.#review().finally(() => {
        if (!this.#stopped) this.#timer = setTimeout(tick, intervalMs);
      });
    };
    tick();
  }

  /** Stops looking (after the look in flight). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#busy;
  }

  async #review(): Promise<void> {
    for (const view of this.#forge.pullRequests()) {
      const known = this.pulls.get(view.number) ?? this.#first(view);
      if (!known || known.mergedAtMs !== null || known.closed) continue;
      if (view.state === 'closed') {
        known.closed = true;
        known.mergedAtMs = view.merged ? Date.now() : null;
        continue;
      }
      // A pull request is reviewed once the rollout record names it: the reconcile that opened it has then saved
      // its record, so the merge (which moves edgeplane-rollouts) cannot race that reconcile's own push.
      if (!(await this.#recorded(known))) continue;
      const decision = await this.policy(known);
      if (!decision.merge) {
        known.note = decision.why;
        continue;
      }
      try {
        await this.#forge.merge(view.number, { by: 'release-manager' });
      } catch (error) {
        this.failures.push(`pull request #${view.number}: ${(error as Error).message}`);
        continue;
      }
      known.mergedAtMs = Date.now();
      known.note = decision.note;
      this.#recorder.add('pull-request-merged', `#${known.number} ${known.title} merged by release-manager: ${decision.note}`, { wave: known.wave, atMs: known.mergedAtMs });
      this.#log(`  merged pull request #${known.number} (wave ${known.wave}): ${decision.note}`);
    }
  }

  /** Whether the rollout record names the pull request: as the last reconcile returned it, or as pushed since. */
  async #recorded(pull: ReviewedPull): Promise<boolean> {
    const names = (record: { pullRequests: { number: number }[] } | undefined) => record?.pullRequests.some((p) => p.number === pull.number) ?? false;
    if (names(this.#recorder.records.get(pull.placement))) return true;
    const { records } = await readRolloutRecords(this.#gitdir).catch(() => ({ records: new Map() }));
    return names(records.get(pull.placement));
  }

  /** Records a pull request seen for the first time; undefined for one that is not a rollout wave's. */
  #first(view: ForgePullRequestView): ReviewedPull | undefined {
    const match = /^edgeplane-rollout\/([^/]+)\/(.+)$/.exec(view.head);
    if (!match) return undefined;
    const pull: ReviewedPull = {
      number: view.number,
      placement: match[1]!,
      wave: match[2]!,
      title: view.title,
      openedAtMs: Date.now(),
      mergedAtMs: view.merged ? Date.now() : null,
      closed: view.state === 'closed',
      note: '',
    };
    this.pulls.set(view.number, pull);
    this.#recorder.add('pull-request-opened', `#${pull.number} ${pull.title}`, { wave: pull.wave, atMs: pull.openedAtMs });
    this.#log(`  pull request #${pull.number} opened: ${pull.title}`);
    return pull;
  }
}
