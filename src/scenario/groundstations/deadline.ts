/**
 * Waiting with a deadline. A scenario never hangs: each wait either sees its condition or gives up at its
 * deadline with a message saying what it waited for and what it saw last, which becomes a failed check.
 */

/** How a wait ended. */
export type WaitOutcome<T> = { ok: true; value: T; waitedMs: number } | { ok: false; detail: string; waitedMs: number };

/**
 * Calls `check` every `intervalMs` until it returns a value other than undefined (resolves `ok`), or `timeoutMs`
 * passed (resolves not ok, `detail` = `timed out after … waiting for <what>` plus `lastSeen()` when given).
 * An error thrown by `check` ends the wait at once, not ok, with its message. Never rejects.
 */
export async function waitUntil<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  options: { timeoutMs: number; intervalMs?: number; lastSeen?: () => string },
): Promise<WaitOutcome<T>> {
  const started = Date.now();
  const interval = options.intervalMs ?? 250;
  for (;;) {
    let value: T | undefined;
    try {
      value = await check();
    } catch (error) {
      return { ok: false, detail: `failed while waiting for ${what}: ${(error as Error).message}`, waitedMs: Date.now() - started };
    }
    if (value !== undefined) return { ok: true, value, waitedMs: Date.now() - started };
    if (Date.now() - started >= options.timeoutMs) {
      const seen = options.lastSeen?.();
      return { ok: false, detail: `timed out after ${Math.round(options.timeoutMs / 1000)} s waiting for ${what}${seen ? ` (last seen: ${seen})` : ''}`, waitedMs: Date.now() - started };
    }
    await sleep(interval);
  }
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}
