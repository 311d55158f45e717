import type { Clock, Timer } from './clock.js';

/** What asked for a reconcile. */
export type TriggerSource = 'startup' | 'webhook' | 'schedule' | 'manual' | 'peer' | 'shards' | 'retry';

/** One request for a reconcile. */
export interface Trigger {
  source: TriggerSource;
  /** A few words for logs: the pushed commit, the cron expression, who asked. */
  detail?: string | undefined;
  /** When it was requested (clock milliseconds). */
  at: number;
}

/**
 * How a failed reconcile is retried (Flux's failure classes): `transient` failures (Git or network trouble, a
 * push that kept being rejected) are retried after an exponential backoff; `terminal` ones (the spec is invalid)
 * are not retried by themselves: the next trigger (a push, the schedule, a person) runs again at once.
 */
export type FailureClass = 'terminal' | 'transient';

/** Exponential backoff: `initialMs`, then × `factor` per consecutive failure, at most `maxMs`. */
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  factor: number;
}

/** 5 s, 10 s, 20 s, … 5 min. */
export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 5_000, maxMs: 300_000, factor: 2 };

/** The wait before retrying after `failures` consecutive transient failures (≥ 1). */
export function backoffDelay(policy: BackoffPolicy, failures: number): number {
  const exponent = Math.max(0, failures - 1);
  return Math.min(policy.maxMs, Math.round(policy.initialMs * policy.factor ** exponent));
}

/** A snapshot of the queue, for the status page, metrics and /readyz. */
export interface QueueState {
  running: boolean;
  /** Triggers received since the current or last run started; the next run serves them all at once. */
  waiting: number;
  /** Runs started so far. */
  runs: number;
  consecutiveFailures: number;
  lastError?: { message: string; code?: string | undefined; class: FailureClass; at: number } | undefined;
  /** When the next retry runs, after a transient failure. */
  retryAt?: number | undefined;
  lastStartedAt?: number | undefined;
  lastFinishedAt?: number | undefined;
  lastSuccessAt?: number | undefined;
}

/** One run of the queue: its number and the triggers it serves (at most `MAX_KEPT_TRIGGERS` of them kept). */
export interface QueueRun {
  run: number;
  triggers: readonly Trigger[];
  /** How many triggers it serves, including those not kept. */
  coalesced: number;
}

/** Hooks for logs and metrics. Exceptions thrown by a hook are ignored: they must not stop the queue. */
export interface QueueEvents<R> {
  started?(run: QueueRun): void;
  succeeded?(run: QueueRun, result: R, ms: number): void;
  failed?(run: QueueRun, error: unknown, failure: FailureClass, retryAt: number | undefined, ms: number): void;
}

export interface TriggerQueueOptions<R> {
  /** The work: one reconcile serving every trigger passed. */
  run: (run: QueueRun) => Promise<R>;
  clock: Clock;
  backoff?: BackoffPolicy;
  /** Default: every failure is transient. */
  classify?: (error: unknown) => FailureClass;
  /** How long an idle queue waits for more triggers before it starts a run. Default 0 (the next turn). */
  coalesceMs?: number;
  events?: QueueEvents<R>;
}

/** Triggers kept per run for logs; the rest are only counted. */
export const MAX_KEPT_TRIGGERS = 20;

/**
 * Serializes reconciles of one spec repo and coalesces their triggers. A trigger on an idle queue starts a run
 * after `coalesceMs`; triggers arriving while a run is in flight make exactly one more run after it, so any burst
 * costs at most two runs. Runs never overlap. A transient failure schedules a retry after the backoff, and
 * triggers arriving meanwhile wait for that retry; a terminal failure waits for the next trigger.
 */
export class TriggerQueue<R> {
  readonly #options: TriggerQueueOptions<R>;
  readonly #backoff: BackoffPolicy;
  #waiting: Trigger[] = [];
  #waitingCount = 0;
  #timer: Timer | undefined;
  #inFlight: Promise<void> | undefined;
  #stopped = false;
  #idleWaiters: (() => void)[] = [];
  readonly #state: QueueState = { running: false, waiting: 0, runs: 0, consecutiveFailures: 0 };

  constructor(options: TriggerQueueOptions<R>) {
    this.#options = options;
    this.#backoff = options.backoff ?? DEFAULT_BACKOFF;
  }

  /** Asks for a reconcile. Never throws, never runs anything synchronously. */
  request(source: TriggerSource, detail?: string): void {
    if (this.#stopped) return;
    this.#enqueue({ source, detail, at: this.#options.clock.now() });
    // A run in flight picks the trigger up when it ends; a scheduled start (coalescing or backoff) already will.
    if (this.#inFlight === undefined && this.#timer === undefined) this.#schedule(this.#options.coalesceMs ?? 0);
  }

  get state(): QueueState {
    return { ...this.#state, waiting: this.#waitingCount };
  }

  /** Resolves once nothing runs and no run is scheduled (a pending retry counts as scheduled). */
  whenIdle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Stops taking triggers, cancels a scheduled run and waits for the one in flight. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#timer?.cancel();
    this.#timer = undefined;
    await this.#inFlight;
    this.#notifyIdle();
  }

  #enqueue(trigger: Trigger): void {
    if (this.#waiting.length < MAX_KEPT_TRIGGERS) this.#waiting.push(trigger);
    this.#waitingCount++;
  }

  #schedule(ms: number): void {
    this.#timer?.cancel();
    this.#timer = this.#options.clock.setTimer(ms, () => {
      this.#timer = undefined;
      this.#start();
    });
  }

  #start(): void {
    if (this.#stopped || this.#inFlight !== undefined || this.#waitingCount === 0) {
      this.#notifyIdle();
      return;
    }
    const clock = this.#options.clock;
    const run: QueueRun = { run: ++this.#state.runs, triggers: this.#waiting, coalesced: this.#waitingCount };
    this.#waiting = [];
    this.#waitingCount = 0;
    const started = clock.now();
    Object.assign(this.#state, { running: true, lastStartedAt: started, retryAt: undefined });
    safely(() => this.#options.events?.started?.(run));
    this.#inFlight = this.#options
      .run(run)
      .then(
        (result) => {
          Object.assign(this.#state, { consecutiveFailures: 0, lastSuccessAt: clock.now(), lastError: undefined });
          safely(() => this.#options.events?.succeeded?.(run, result, clock.now() - started));
          return undefined;
        },
        (error: unknown) => this.#failed(run, error, started),
      )
      .then((retryIn) => {
        Object.assign(this.#state, { running: false, lastFinishedAt: clock.now() });
        this.#inFlight = undefined;
        if (this.#stopped) return;
        if (retryIn !== undefined) this.#schedule(retryIn);
        else if (this.#waitingCount > 0) this.#schedule(this.#options.coalesceMs ?? 0);
        else this.#notifyIdle();
      });
  }

  /** Records a failure; returns the delay of the retry, if one is due. */
  #failed(run: QueueRun, error: unknown, started: number): number | undefined {
    const clock = this.#options.clock;
    const failure = safelyClassify(this.#options.classify, error);
    const failures = ++this.#state.consecutiveFailures;
    const delay = failure === 'transient' ? backoffDelay(this.#backoff, failures) : undefined;
    const retryAt = delay === undefined ? undefined : clock.now() + delay;
    this.#state.lastError = { message: messageOf(error), code: codeOf(error), class: failure, at: clock.now() };
    this.#state.retryAt = retryAt;
    if (delay !== undefined) this.#enqueue({ source: 'retry', detail: `after ${failures} failure(s)`, at: clock.now() });
    safely(() => this.#options.events?.failed?.(run, error, failure, retryAt, clock.now() - started));
    return delay;
  }

  #isIdle(): boolean {
    return this.#inFlight === undefined && this.#timer === undefined;
  }

  #notifyIdle(): void {
    if (!this.#isIdle()) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    // A logging or metrics hook failing must not wedge the queue.
  }
}

function safelyClassify(classify: ((error: unknown) => FailureClass) | undefined, error: unknown): FailureClass {
  try {
    return classify?.(error) ?? 'transient';
  } catch {
    return 'transient';
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
