/**
 * `edgeplane serve` for a scenario, in a child process of its own (centerHost.ts): started with the service's
 * environment (credentials included, in memory only), it reports each reconcile and each status summary back over
 * IPC. Stop it with `stop()`; a center that dies is reported through `onExit`.
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Summary } from '../../status/summary.js';
import type { CenterMessage, CenterRequest, ReconcileNote } from './centerHost.js';

/** How to start the center. */
export interface CenterOptions {
  /** The service's configuration environment (`EDGEPLANE_*`, see docs/service.md). */
  env: Record<string, string>;
  /** Variables the process itself needs besides (the forge token variable `edgeplane.yaml` names). */
  processEnv: Record<string, string>;
  /** Where the service's log lines go. */
  logFile: string;
  /** Values the log must never show. */
  secrets: string[];
  onReconciled: (note: ReconcileNote) => void;
  onSummary: (summary: Summary, atMs: number) => void;
  /** The center exited before `stop()`. */
  onExit: (message: string) => void;
}

/** A running center. */
export class CenterProcess {
  /** `http://host:port` of the service's endpoints. */
  readonly url: string;
  readonly #child: ChildProcess;
  #stopping = false;

  private constructor(child: ChildProcess, url: string) {
    this.#child = child;
    this.url = url;
  }

  /** Starts the service; rejects (after ending the child) when it cannot start. */
  static async start(options: CenterOptions): Promise<CenterProcess> {
    const entry = fileURLToPath(new URL('./centerHost.js', import.meta.url));
    const log = fs.openSync(`${options.logFile}.stderr`, 'a');
    const child = fork(entry, [], { stdio: ['ignore', log, log, 'ipc'], serialization: 'advanced', env: { ...process.env, ...options.processEnv } });
    fs.closeSync(log);
    let center: CenterProcess | undefined;
    const url = await new Promise<string>((resolve, reject) => {
      child.on('message', (message: CenterMessage) => {
        if (message.type === 'listening') resolve(message.url);
        else if (message.type === 'failed') reject(new Error(`edgeplane serve could not start: ${message.error}`));
        else if (message.type === 'reconciled') options.onReconciled(message.note);
        else if (message.type === 'summary') options.onSummary(message.summary, message.atMs);
      });
      child.once('exit', (code, signal) => {
        const why = `edgeplane serve exited (${signal ?? `code ${code}`}); see ${options.logFile} and ${options.logFile}.stderr`;
        reject(new Error(why));
        if (center && !center.#stopping) options.onExit(why);
      });
      child.send({ type: 'start', env: options.env, logFile: options.logFile, secrets: options.secrets } satisfies CenterRequest);
    }).catch(async (error: unknown) => {
      child.kill('SIGKILL');
      throw error;
    });
    center = new CenterProcess(child, url);
    return center;
  }

  /** Stops the service (after the run in flight) and its process. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (this.#stopping || child.exitCode !== null || child.signalCode !== null) return;
    this.#stopping = true;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    try {
      child.send({ type: 'stop' } satisfies CenterRequest);
    } catch {
      child.kill('SIGKILL');
    }
    await exited;
    clearTimeout(timer);
  }
}
