/**
 * A child process that runs a share of the fleet's simulated edges (edgeFleet.ts starts it with `fork`). An edge
 * is busy with git: every poll and every report starts git processes, and starting a process blocks the event
 * loop that starts it for milliseconds. Run in the scenario's own process, a fleet's edges would starve the
 * center (the git server and `edgeplane serve`) of its event loop; here they have their own, on their own core.
 *
 * Protocol over the IPC channel: the parent sends `{ type: 'start', edges }` once; the host answers `started`
 * (or `failed`), then one `event` message per edge event, in the order each edge made them; `{ type: 'stop' }`
 * stops every edge and answers `stopped`, after which the host exits.
 */
import { SimulatedEdge, type EdgeEvent, type SimulatedEdgeOptions } from '../../simulate/edge/simulatedEdge.js';

/** What the parent sends for one edge: its options, with the registry as a list (IPC carries JSON). */
export type EdgeConfig = Omit<SimulatedEdgeOptions, 'images' | 'onEvent' | 'clock' | 'random'> & { images: string[] };

/** Parent → host. */
export type HostRequest = { type: 'start'; edges: EdgeConfig[] } | { type: 'stop' };

/** Host → parent. */
export type HostMessage =
  | { type: 'started'; count: number }
  | { type: 'failed'; error: string }
  | { type: 'event'; event: EdgeEvent }
  | { type: 'stopped' };

const edges: SimulatedEdge[] = [];

function send(message: HostMessage): void {
  process.send?.(message);
}

async function start(configs: EdgeConfig[]): Promise<void> {
  try {
    const queue = [...configs];
    const startOne = async (config: EdgeConfig): Promise<void> => {
      edges.push(await SimulatedEdge.start({ ...config, images: new Set(config.images), onEvent: (event) => send({ type: 'event', event }) }));
    };
    // A few at a time: each edge is a Kubernetes API server and a git repository to set up.
    await Promise.all(Array.from({ length: Math.min(6, queue.length) }, async () => {
      for (let config = queue.shift(); config; config = queue.shift()) await startOne(config);
    }));
    send({ type: 'started', count: edges.length });
  } catch (error) {
    send({ type: 'failed', error: (error as Error).stack ?? String(error) });
  }
}

async function stop(): Promise<void> {
  await Promise.all(edges.map((edge) => edge.stop().catch(() => undefined)));
  send({ type: 'stopped' });
  process.disconnect?.();
}

if (process.send) {
  process.on('message', (message: HostRequest) => {
    if (message.type === 'start') void start(message.edges);
    else if (message.type === 'stop') void stop();
  });
  // The parent went away without a stop: end the edges rather than linger.
  process.on('disconnect', () => {
    void Promise.all(edges.map((edge) => edge.stop().catch(() => undefined))).finally(() => process.exit(0));
  });
}
