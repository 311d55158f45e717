/**
 * Time, as the service sees it. Everything in `src/serve/` that waits or reads the time takes a `Clock`, so the
 * trigger queue and the lease loop are tested with a clock the test advances, without real waiting.
 */

/** A pending timer; cancelling a fired or cancelled timer does nothing. */
export interface Timer {
  cancel(): void;
}

/** The current time and one-shot timers. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `fn` once, `ms` milliseconds from now (0: on a later turn of the event loop, never synchronously). */
  setTimer(ms: number, fn: () => void): Timer;
}

/**
 * The real clock. Its timers are unref'd: a service is kept alive by its HTTP server, not by a pending retry,
 * so a stopped service lets the process exit.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(ms, fn) {
    const handle = setTimeout(fn, Math.max(0, ms));
    handle.unref();
    return { cancel: () => clearTimeout(handle) };
  },
};

/** Resolves after `ms` on `clock`. */
export function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimer(ms, resolve));
}
