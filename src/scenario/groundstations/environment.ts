/**
 * The world a ground-station scenario runs in, all on this machine:
 *
 *   git smart-HTTP server, in this process (accounts: `edgeplane` for the service, `operator` for the script, one
 *   per station, each station behind its link model), serving `spec.git`: the spec repo and the output repo
 *   local GitHub-REST forge over the same bare repository (the rollout's pull requests), in this process
 *   `edgeplane serve` (EdgeplaneService) in a child process of its own (centerProcess.ts): webhooks from the
 *   operator's pushes, a short poll schedule as the safety net that also moves rollouts along, the status summary
 *   after each reconcile
 *   one SimulatedEdge per station, in one or two child processes (edgeFleet.ts): its own cluster, pulling only its
 *   branch, reporting with the real agent code
 *
 * A station's traffic is the git server's count for its account. Its events arrive over IPC, a little after the
 * fact, so the bytes of the task an event ends are read from the count as it stood when the station's next
 * request reached the server (`bytesBefore`): an edge does one task at a time.
 *
 * Every credential is random per run and lives in memory (and in the environment of the child processes that need
 * it), never in a file or a log line.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LinkModel } from '../scenarioData.js';
import type { Summary } from '../../status/summary.js';
import type { EdgeEvent } from '../../simulate/edge/simulatedEdge.js';
import { startForgeServer, type ForgeServer } from '../../simulate/forge/forgeServer.js';
import { createBareRepo, startGitServer, type GitHttpServer } from '../../simulate/gitHttpServer.js';
import { linkConditions, linkPhaseMs } from '../../simulate/link.js';
import type { ReconcileNote } from './centerHost.js';
import { CenterProcess } from './centerProcess.js';
import { EdgeFleet } from './edgeFleet.js';
import type { ForgeSection, Station } from './fleetSpec.js';
import { SpecPusher } from './specPusher.js';

/** How the simulated edges behave, besides their links. */
export interface EdgeTiming {
  /** Agent rounds when nothing happens (reports also go after every apply and status change). */
  reportIntervalMs: number;
  /** From a new workload revision to its pods being ready. */
  startupMs: number;
  /** From a Deployment revision that cannot start (unknown image) to Degraded. */
  progressDeadlineMs: number;
}

/** What `GroundstationEnvironment.start` needs. */
export interface EnvironmentOptions {
  /** A folder for everything (git, caches, edge state, logs); created. */
  workDir: string;
  stations: readonly Station[];
  /** Link model per link class. */
  links: Readonly<Record<string, LinkModel>>;
  /** Absolute path of the kubectl the edges build with. */
  kubectl: string;
  /** The simulated registry: images that exist. */
  images: readonly string[];
  edge: EdgeTiming;
  /** Seconds between the service's scheduled reconciles (a node-cron schedule with seconds). */
  pollSeconds: number;
  /** The forge the spec's edgeplane.yaml names: owner, repo and the variable the service reads the token from. */
  forge: ForgeSection;
  onEdgeEvent: (event: EdgeEvent, bytesSent: number) => void;
  onReconciled: (note: ReconcileNote) => void;
  /** The center's process died mid-run. */
  onCenterExit: (message: string) => void;
  /** An edge host died mid-run: its stations are gone (the scenario's checks will show it). */
  onEdgeHostExit: (message: string) => void;
  /** Child processes the edges run in. */
  edgeHosts: number;
  /** Progress lines for a person. */
  log: (line: string) => void;
}

/** The service's latest status summary and when it was written (epoch ms). */
export interface SummarySeen {
  summary: Summary;
  at: number;
}

const SERVICE_USER = 'edgeplane';
const OPERATOR_USER = 'operator';

/** A running scenario environment; `stop()` ends every part of it. */
export class GroundstationEnvironment {
  readonly options: EnvironmentOptions;
  readonly server: GitHttpServer;
  /** The bare spec (and output) repository the git server serves. */
  readonly bare: string;
  readonly repoUrl: string;
  readonly forge: ForgeServer;
  readonly pusher: SpecPusher;
  edges: EdgeFleet | undefined;
  /** Regions whose every link is down. */
  readonly darkRegions = new Set<string>();
  center: CenterProcess | undefined;
  /** The latest summary the service wrote. */
  summary: SummarySeen | undefined;
  readonly #tokens: Record<string, string>;
  /** Per station: (time, bytes sent so far) as each of its requests reached the server, oldest first. */
  readonly #marks: Map<string, { t: number; bytes: number }[]>;

  private constructor(
    options: EnvironmentOptions,
    parts: { server: GitHttpServer; bare: string; forge: ForgeServer; pusher: SpecPusher; tokens: Record<string, string>; marks: Map<string, { t: number; bytes: number }[]> },
  ) {
    this.options = options;
    this.server = parts.server;
    this.bare = parts.bare;
    this.repoUrl = parts.server.url('spec.git');
    this.forge = parts.forge;
    this.pusher = parts.pusher;
    this.#tokens = parts.tokens;
    this.#marks = parts.marks;
  }

  /**
   * Starts the git server, the forge and every edge (the service starts with `startService`, after the first
   * push: a service has nothing to reconcile before it). Stops whatever started when a later part fails.
   */
  static async start(options: EnvironmentOptions): Promise<GroundstationEnvironment> {
    fs.mkdirSync(options.workDir, { recursive: true });
    const tokens: Record<string, string> = { [SERVICE_USER]: secret(), [OPERATOR_USER]: secret(), forge: secret(), webhook: secret() };
    for (const station of options.stations) tokens[station.name] = secret();
    const gitRoot = path.join(options.workDir, 'git');
    const bare = await createBareRepo(gitRoot, 'spec.git');
    const byName = new Map(options.stations.map((s) => [s.name, s]));
    let environment: GroundstationEnvironment | undefined;
    let server: GitHttpServer | undefined;
    const marks = new Map(options.stations.map((s) => [s.name, [] as { t: number; bytes: number }[]]));
    const accounts = Object.fromEntries([OPERATOR_USER, ...byName.keys()].map((user) => [user, tokens[user]!]));
    server = await startGitServer({
      root: gitRoot,
      user: SERVICE_USER,
      token: tokens[SERVICE_USER]!,
      accounts,
      link: (user) => {
        const station = user === undefined ? undefined : byName.get(user);
        if (!station) return undefined;
        marks.get(station.name)!.push({ t: Date.now(), bytes: server!.traffic(station.name).bytesSent });
        const model = options.links[station.linkClass]!;
        return linkConditions(model, Date.now(), { phaseMs: linkPhaseMs(station.name, model.offline?.everyMs ?? 0), dark: environment?.darkRegions.has(station.region) ?? false });
      },
    });
    const stops: (() => Promise<void>)[] = [() => server!.close()];
    try {
      const forge = await startForgeServer({ gitdir: bare, owner: options.forge.owner, repo: options.forge.repo, token: tokens['forge']! });
      stops.unshift(() => forge.stop());
      const pusher = await SpecPusher.create({
        workDir: path.join(options.workDir, 'operator'),
        repoUrl: server.url('spec.git'),
        auth: { username: OPERATOR_USER, token: tokens[OPERATOR_USER]! },
        fullName: `${options.forge.owner}/${options.forge.repo}`,
      });
      environment = new GroundstationEnvironment(options, { server, bare, forge, pusher, tokens, marks });
      await environment.#startEdges();
      return environment;
    } catch (error) {
      if (environment) await environment.stop();
      else for (const stop of stops) await stop().catch(() => undefined);
      throw error;
    }
  }

  /**
   * The bytes the git server had sent `station` when the first request it made after `at` arrived (the current
   * count when none has yet): everything of its tasks that ended by `at`. Marks older than that are dropped, so
   * call it in event order.
   */
  bytesBefore(station: string, at: number): number {
    const list = this.#marks.get(station);
    if (!list) return 0;
    const next = list.findIndex((mark) => mark.t > at);
    if (next < 0) {
      list.length = 0;
      return this.server.traffic(station).bytesSent;
    }
    const bytes = list[next]!.bytes;
    list.splice(0, next);
    return bytes;
  }

  /** Whether the center's latest summary reports `station` offline (its report is stale). */
  reportedOffline(station: string): boolean {
    return (this.summary?.summary.placements ?? []).some((p) => p.status.locationStatuses.some((l) => l.name === station && l.state === 'stale'));
  }

  /** Starts `edgeplane serve` against the spec repo; from then on every push is followed by its webhook. */
  async startService(): Promise<CenterProcess> {
    const { options } = this;
    const env: Record<string, string> = {
      EDGEPLANE_REPO: this.repoUrl,
      EDGEPLANE_CACHE_DIR: path.join(options.workDir, 'service-cache'),
      EDGEPLANE_GIT_USERNAME: SERVICE_USER,
      EDGEPLANE_GIT_TOKEN: this.#tokens[SERVICE_USER]!,
      EDGEPLANE_WEBHOOK_SECRET: this.#tokens['webhook']!,
      EDGEPLANE_HOST: '127.0.0.1',
      EDGEPLANE_PORT: '0',
      EDGEPLANE_SCHEDULE: `*/${options.pollSeconds} * * * * *`,
    };
    this.center = await CenterProcess.start({
      env,
      // The forge client of `spec.forge` reads its token from the variable edgeplane.yaml names.
      processEnv: { [options.forge.tokenEnv]: this.#tokens['forge']! },
      logFile: path.join(options.workDir, 'serve.log'),
      secrets: Object.values(this.#tokens),
      onReconciled: options.onReconciled,
      onSummary: (summary, at) => {
        this.summary = { summary, at };
      },
      onExit: options.onCenterExit,
    });
    this.pusher.deliverWebhooksTo(`${this.center.url}/webhook`, this.#tokens['webhook']!);
    return this.center;
  }

  /** Stops the edges, the service, the forge and the git server. */
  async stop(): Promise<void> {
    await this.edges?.stop().catch(() => undefined);
    this.edges = undefined;
    await this.center?.stop().catch(() => undefined);
    await this.forge.stop().catch(() => undefined);
    await this.server.close().catch(() => undefined);
  }

  /** Starts one edge per station, in `edgeHosts` child processes. */
  async #startEdges(): Promise<void> {
    const { options } = this;
    this.edges = await EdgeFleet.start({
      hosts: options.edgeHosts,
      logPrefix: path.join(options.workDir, 'edge-host-'),
      edges: options.stations.map((station) => {
        const model = options.links[station.linkClass]!;
        return {
          station: station.name,
          repoUrl: this.repoUrl,
          auth: { username: station.name, token: this.#tokens[station.name]! },
          stateDir: path.join(options.workDir, 'edges', station.name),
          kubectl: options.kubectl,
          pollIntervalMs: model.pollIntervalMs,
          reportIntervalMs: options.edge.reportIntervalMs,
          images: [...options.images],
          startupMs: options.edge.startupMs,
          progressDeadlineMs: options.edge.progressDeadlineMs,
        };
      }),
      onEvent: (event) => {
        try {
          options.onEdgeEvent(event, this.bytesBefore(event.station, event.at));
        } catch {
          // A recorder bug must not stop the run; the scenario's checks show missing data.
        }
      },
      onHostExit: options.onEdgeHostExit,
    });
    options.log(`started ${options.stations.length} simulated edges in ${Math.min(options.edgeHosts, options.stations.length)} process(es)`);
  }
}

function secret(): string {
  return randomBytes(18).toString('base64url');
}
