/**
 * A child process that runs `edgeplane serve` (EdgeplaneService) for a scenario (centerProcess.ts starts it with
 * `fork`): the center gets an event loop of its own, as it has in a real deployment, instead of sharing one with
 * the git server that answers every station's polls.
 *
 * Protocol over the IPC channel: the parent sends `{ type: 'start', env, logFile }` once; the host answers
 * `listening` with the service's URL (or `failed`), then a `reconciled` note after every run and a `summary` after
 * every status summary it wrote; `{ type: 'stop' }` stops the service and answers `stopped`, then the host exits.
 */
import { pino } from 'pino';
import type { RolloutRecord } from '../../rollout/rolloutRecord.js';
import { loadServeSettings } from '../../serve/config.js';
import { createLogger } from '../../serve/logger.js';
import { EdgeplaneService, type RunOutcome } from '../../serve/service.js';
import { fleetStatusWriter } from '../../serve/statusWriter.js';
import type { Summary } from '../../status/summary.js';

/** What one reconcile did, as much as a scenario needs of it. */
export interface ReconcileNote {
  /** When the run ended (epoch ms). */
  atMs: number;
  /** The reconciled spec commit; absent when the run failed or was skipped. */
  specCommit?: string;
  /** Station branches given a new commit. */
  changed: number;
  /** Every rollout record after the run. */
  rollouts: RolloutRecord[];
  /** Why the run failed or was skipped. */
  error?: string;
}

/** Parent → host. */
export type CenterRequest = { type: 'start'; env: Record<string, string>; logFile: string; secrets: string[] } | { type: 'stop' };

/** Host → parent. */
export type CenterMessage =
  | { type: 'listening'; url: string }
  | { type: 'failed'; error: string }
  | { type: 'reconciled'; note: ReconcileNote }
  | { type: 'summary'; summary: Summary; atMs: number }
  | { type: 'stopped' };

/** The note of a run outcome. */
export function noteOf(outcome: RunOutcome, atMs: number): ReconcileNote {
  const result = outcome.result;
  if (!result) {
    const error = outcome.error === undefined ? (outcome.skipped ?? 'skipped') : ((outcome.error as Error)?.message ?? String(outcome.error));
    return { atMs, changed: 0, rollouts: [], error };
  }
  return { atMs, specCommit: result.specCommit, changed: result.created.length + result.updated.length + result.retired.length, rollouts: result.rollouts };
}

let service: EdgeplaneService | undefined;

function send(message: CenterMessage): void {
  process.send?.(message);
}

async function start(request: Extract<CenterRequest, { type: 'start' }>): Promise<void> {
  try {
    const settings = loadServeSettings({}, request.env);
    // A failed run is retried soon: the scenario's clock is seconds, not the minutes a production service backs off.
    settings.backoff = { initialMs: 1_000, maxMs: 8_000, factor: 2 };
    const logger = createLogger({ level: 'info', destination: pino.destination({ dest: request.logFile, sync: true }), secrets: () => request.secrets });
    const writer = fleetStatusWriter();
    service = await EdgeplaneService.start({
      settings,
      env: request.env,
      logger,
      onReconciled: (outcome) => send({ type: 'reconciled', note: noteOf(outcome, Date.now()) }),
      status: {
        write: async (input) => {
          const summary = await writer.write(input);
          if (summary) send({ type: 'summary', summary, atMs: Date.now() });
          return summary;
        },
      },
    });
    send({ type: 'listening', url: service.url });
  } catch (error) {
    send({ type: 'failed', error: (error as Error).stack ?? String(error) });
  }
}

if (process.send) {
  process.on('message', (message: CenterRequest) => {
    if (message.type === 'start') void start(message);
    else if (message.type === 'stop') {
      void (service?.stop() ?? Promise.resolve()).finally(() => {
        send({ type: 'stopped' });
        process.disconnect?.();
      });
    }
  });
  process.on('disconnect', () => {
    void (service?.stop() ?? Promise.resolve()).finally(() => process.exit(0));
  });
}
