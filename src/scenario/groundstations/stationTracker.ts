/**
 * What one station did, from its simulated edge's events as they happen: every output commit it applied, when it
 * became healthy there (or degraded), and what each of its fetches cost on its link.
 *
 * Bytes are the git server's count for the station's account, read at every event. An edge runs one task at a
 * time (a poll, or an agent round that pushes a report), so the bytes between two of its events belong to the
 * task the second event ends: a `fetched` / `fetch-failed` event closes a fetch, a `reported` / `report-failed`
 * event a report push. Fetch bytes and report bytes are kept apart: a report push over smart HTTP receives the
 * server's whole ref advertisement (every branch of the fleet), which says nothing about what a change costs to
 * deliver.
 *
 * The edge's own `history` names revisions by the spec commit in the applied output, which a rollback and the
 * release of a held batch do not change; this tracker keeps output commits instead, which stationBranches.ts
 * maps to revisions by content.
 */
import type { EdgeEvent } from '../../simulate/edge/simulatedEdge.js';

/** One output commit the station's cluster ran. */
export interface AppliedRun {
  commit: string;
  sourceCommit: string | null;
  appliedAt: number;
  /** First Healthy report after the apply (the station runs it); null while it has not been. */
  healthyAt: number | null;
  /** First Degraded report after the apply; null when none. */
  degradedAt: number | null;
}

/** One fetch of the station's branch. */
export interface FetchRecord {
  at: number;
  ok: boolean;
  /** Response bytes of the fetch (the ref listing, and the pack when there was something new). */
  bytes: number;
  /** The branch head it brought differs from the one fetched before: this fetch delivered a change. */
  brought: boolean;
}

/** Everything recorded for one station (times are epoch ms). */
export class StationTracker {
  readonly station: string;
  readonly runs: AppliedRun[] = [];
  readonly fetches: FetchRecord[] = [];
  /** Response bytes of report pushes (ref advertisements), kept apart from fetches. */
  reportBytes = 0;
  reportsPushed = 0;
  #bytesSeen = 0;
  #lastHead: string | null = null;

  constructor(station: string) {
    this.station = station;
  }

  /** Records `event`; `bytesSent` is the git server's count for the station's account now. */
  record(event: EdgeEvent, bytesSent: number): void {
    const delta = Math.max(0, bytesSent - this.#bytesSeen);
    this.#bytesSeen = Math.max(this.#bytesSeen, bytesSent);
    switch (event.kind) {
      case 'fetched': {
        const brought = event.commit !== null && event.commit !== this.#lastHead;
        if (event.commit !== null) this.#lastHead = event.commit;
        this.fetches.push({ at: event.at, ok: true, bytes: delta, brought });
        break;
      }
      case 'fetch-failed':
        this.fetches.push({ at: event.at, ok: false, bytes: delta, brought: false });
        break;
      case 'applied':
        this.runs.push({ commit: event.commit, sourceCommit: event.sourceCommit, appliedAt: event.at, healthyAt: null, degradedAt: null });
        break;
      case 'reported':
      case 'report-failed': {
        this.reportBytes += delta;
        if (event.kind === 'report-failed') break;
        if (event.delivery === 'pushed') this.reportsPushed++;
        // The report says which output it observed; an older edge event shape may not, then it is the last applied.
        const run = event.appliedCommit ? this.runs.findLast((r) => r.commit === event.appliedCommit) : this.runs.at(-1);
        if (run && event.health === 'Healthy' && run.healthyAt === null) run.healthyAt = event.at;
        if (run && event.health === 'Degraded' && run.degradedAt === null) run.degradedAt = event.at;
        break;
      }
      default:
        break;
    }
  }

  /** The run active at `at`: the last one applied at or before it. */
  runAt(at: number): AppliedRun | undefined {
    let found: AppliedRun | undefined;
    for (const run of this.runs) if (run.appliedAt <= at) found = run;
    return found;
  }

  /** The run the cluster has now, healthy or not. */
  current(): AppliedRun | undefined {
    return this.runs.at(-1);
  }
}
