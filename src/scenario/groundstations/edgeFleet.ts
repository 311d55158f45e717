/**
 * The fleet's simulated edges, run in child processes (edgeHost.ts): the stations are dealt round-robin over a
 * few hosts, each host's events come back over IPC, in order per edge. Stop with `stop()`; a host that dies
 * is reported through `onHostExit`.
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { EdgeEvent } from '../../simulate/edge/simulatedEdge.js';
import type { EdgeConfig, HostMessage, HostRequest } from './edgeHost.js';

/** How to run the fleet's edges. */
export interface EdgeFleetOptions {
  edges: EdgeConfig[];
  /** How many child processes share the edges. */
  hosts: number;
  /** Where each host's standard error goes (`<logPrefix><n>.log`). */
  logPrefix: string;
  onEvent: (event: EdgeEvent) => void;
  /** A host exited before `stop()`: its edges are gone. */
  onHostExit: (message: string) => void;
}

interface Host {
  child: ChildProcess;
  stopped: boolean;
}

/** The running edges of a fleet. */
export class EdgeFleet {
  readonly #hosts: Host[];

  private constructor(hosts: Host[]) {
    this.#hosts = hosts;
  }

  /** Starts the hosts and every edge; rejects (after stopping what started) when a host cannot start its edges. */
  static async start(options: EdgeFleetOptions): Promise<EdgeFleet> {
    const count = Math.max(1, Math.min(options.hosts, options.edges.length));
    const shares = Array.from({ length: count }, (_, i) => options.edges.filter((_, j) => j % count === i));
    const entry = fileURLToPath(new URL('./edgeHost.js', import.meta.url));
    const hosts: Host[] = [];
    const started = shares.map((edges, i) => {
      const log = fs.openSync(`${options.logPrefix}${i + 1}.log`, 'a');
      const child = fork(entry, [], { stdio: ['ignore', log, log, 'ipc'], serialization: 'advanced' });
      fs.closeSync(log);
      const host: Host = { child, stopped: false };
      hosts.push(host);
      return new Promise<void>((resolve, reject) => {
        child.on('message', (message: HostMessage) => {
          if (message.type === 'event') options.onEvent(message.event);
          else if (message.type === 'started') resolve();
          else if (message.type === 'failed') reject(new Error(`edge host ${i + 1} could not start its edges: ${message.error}`));
        });
        child.once('exit', (code, signal) => {
          const why = `edge host ${i + 1} exited (${signal ?? `code ${code}`}); see ${options.logPrefix}${i + 1}.log`;
          reject(new Error(why));
          if (!host.stopped) options.onHostExit(why);
        });
        child.send({ type: 'start', edges } satisfies HostRequest);
      });
    });
    const fleet = new EdgeFleet(hosts);
    try {
      await Promise.all(started);
    } catch (error) {
      await fleet.stop();
      throw error;
    }
    return fleet;
  }

  /** Stops every edge (each host waits for its edges' rounds in flight) and the hosts. */
  async stop(): Promise<void> {
    await Promise.all(
      this.#hosts.map(async (host) => {
        if (host.child.exitCode !== null || host.child.signalCode !== null) return;
        host.stopped = true;
        const exited = new Promise<void>((resolve) => host.child.once('exit', () => resolve()));
        const timer = setTimeout(() => host.child.kill('SIGKILL'), 20_000);
        try {
          host.child.send({ type: 'stop' } satisfies HostRequest);
        } catch {
          host.child.kill('SIGKILL');
        }
        await exited;
        clearTimeout(timer);
      }),
    );
  }
}
