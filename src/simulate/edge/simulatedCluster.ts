/**
 * A simulated edge cluster: one faithful Kubernetes API server (../kubeApiServer.ts) plus a tiny in-process
 * "controller manager" that gives workloads the status a real cluster's controllers would (./workloadStatus.ts):
 * Deployments, StatefulSets and DaemonSets become ready `startupMs` after a new revision when their images exist,
 * and a Deployment whose image does not exist fails its progress deadline. CRDs need nothing from here: the API
 * server marks them Established itself, as apiextensions-apiserver does; other kinds have no status to wait for.
 *
 * The controllers find workloads by LISTing them over REST (on `settle()`, which the simulated edge calls after
 * every apply, and every `resyncMs` for objects written by anyone else) and then follow each one in process. A
 * timer is armed only for the next due change, so a settled cluster costs nothing however many run at once.
 */
import * as fs from 'node:fs';
import { startKubeApiServer, type KubeApiServer } from '../kubeApiServer.js';
import { KubeRest } from './kubeRest.js';
import { observeRollout, workloadStatus, WORKLOAD_KINDS, type ImageCatalog, type Rollout, type WorkloadKind, type WorkloadTiming } from './workloadStatus.js';

/** How a simulated cluster behaves. */
export interface SimulatedClusterOptions extends WorkloadTiming {
  /** The simulated registry: images not in it never start. */
  images: ImageCatalog;
  /** Where the kubeconfig for this cluster is written. */
  kubeconfigDir: string;
  /** The kubeconfig's context (and file) name; default `simulated-edge`. */
  context?: string;
  /** Milliseconds now; default `Date.now`. Condition times and the startup and deadline clocks follow it. */
  clock?: () => number;
  /** How often workloads are listed again to find ones `settle()` was not called for; default 30,000; 0: never. */
  resyncMs?: number;
  /** Called after the controllers changed some workload's status (a health change the agent should report). */
  onStatusChange?: () => void;
}

interface Tracked {
  kind: WorkloadKind;
  namespace: string;
  name: string;
  rollout: Rollout;
  /** When its status changes next without a new revision. */
  nextChangeMs: number | undefined;
}

/** A running simulated cluster. Stop it with `stop()`. */
export class SimulatedCluster {
  /** The cluster's API server: REST for clients, `put`/`get` for tests that play a controller. */
  readonly server: KubeApiServer;
  /** A kubeconfig file for the cluster (token user, current context). */
  readonly kubeconfig: string;
  readonly #options: SimulatedClusterOptions;
  readonly #clock: () => number;
  readonly #rest: KubeRest;
  readonly #tracked = new Map<string, Tracked>();
  #timer: NodeJS.Timeout | undefined;
  #resync: NodeJS.Timeout | undefined;
  /** The settle in flight (never rejects), and the one queued behind it that later callers share. */
  #running: Promise<number> | undefined;
  #queued: Promise<number> | undefined;
  #stopped = false;

  private constructor(server: KubeApiServer, options: SimulatedClusterOptions) {
    this.server = server;
    this.#options = options;
    this.#clock = options.clock ?? Date.now;
    fs.mkdirSync(options.kubeconfigDir, { recursive: true });
    this.kubeconfig = server.writeKubeconfig(options.kubeconfigDir, options.context ?? 'simulated-edge');
    this.#rest = new KubeRest(server);
  }

  /** Starts the API server (127.0.0.1, ephemeral port) and the controllers. */
  static async start(options: SimulatedClusterOptions): Promise<SimulatedCluster> {
    const cluster = new SimulatedCluster(await startKubeApiServer(), options);
    const resyncMs = options.resyncMs ?? 30_000;
    if (resyncMs > 0) {
      cluster.#resync = setInterval(() => void cluster.settle().catch(() => undefined), resyncMs);
      cluster.#resync.unref();
    }
    return cluster;
  }

  /**
   * Lists every workload and brings its status up to date now; resolves with how many statuses changed. A call
   * made while one runs waits for it and shares the single run queued behind it, so every caller sees the writes
   * it made before calling handled, and a burst of calls costs two runs.
   */
  settle(): Promise<number> {
    if (this.#queued) return this.#queued;
    const next = (this.#running ?? Promise.resolve(0)).then(() => {
      this.#queued = undefined;
      return this.#stopped ? 0 : this.#settleNow();
    });
    this.#queued = next;
    const running = next.catch(() => 0);
    this.#running = running;
    void running.then(() => {
      if (this.#running === running) this.#running = undefined;
    });
    return next;
  }

  /** Stops the controllers (after a `settle()` in flight) and the API server. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    clearInterval(this.#resync);
    await this.#running;
    await this.server.close();
  }

  async #settleNow(): Promise<number> {
    const found = new Set<string>();
    for (const kind of WORKLOAD_KINDS) {
      for (const item of await this.#rest.listKeys('apps/v1', kind)) found.add(keyOf(kind, item.namespace ?? 'default', item.name));
    }
    for (const key of this.#tracked.keys()) if (!found.has(key)) this.#tracked.delete(key);
    let changed = 0;
    for (const key of found) {
      const [kind, namespace, name] = key.split('/') as [WorkloadKind, string, string];
      if (this.#reconcile(kind, namespace, name)) changed++;
    }
    this.#arm();
    if (changed > 0) this.#options.onStatusChange?.();
    return changed;
  }

  /** One workload, read fresh in process: its status as its controller would write it now. True when it changed. */
  #reconcile(kind: WorkloadKind, namespace: string, name: string): boolean {
    const key = keyOf(kind, namespace, name);
    const object = this.server.get('apps/v1', kind, namespace, name);
    if (!object) {
      this.#tracked.delete(key);
      return false;
    }
    const now = this.#clock();
    const rollout = observeRollout(object, this.#tracked.get(key)?.rollout, now);
    const { status, nextChangeMs } = workloadStatus(kind, object, rollout, now, this.#options.images, this.#options);
    this.#tracked.set(key, { kind, namespace, name, rollout, nextChangeMs });
    if (stableJson(status) === stableJson(object['status'])) return false;
    this.server.put({ ...object, status });
    return true;
  }

  /** Arms the timer for the earliest due change, if any. */
  #arm(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#stopped) return;
    let next = Infinity;
    for (const tracked of this.#tracked.values()) if (tracked.nextChangeMs !== undefined) next = Math.min(next, tracked.nextChangeMs);
    if (next === Infinity) return;
    this.#timer = setTimeout(() => this.#due(), Math.max(1, Math.ceil(next - this.#clock())));
    this.#timer.unref();
  }

  #due(): void {
    if (this.#stopped) return;
    const now = this.#clock();
    let changed = 0;
    for (const tracked of [...this.#tracked.values()]) {
      if (tracked.nextChangeMs !== undefined && tracked.nextChangeMs <= now && this.#reconcile(tracked.kind, tracked.namespace, tracked.name)) changed++;
    }
    this.#arm();
    if (changed > 0) this.#options.onStatusChange?.();
  }
}

function keyOf(kind: string, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

/** JSON with sorted keys: a status is unchanged when it says the same, whatever the key order. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}
