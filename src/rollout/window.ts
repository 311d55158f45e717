import { createTask } from 'node-cron';
import type { RolloutWindow } from '../api/rollout.js';
import { parseDuration } from './duration.js';

const MINUTE = 60_000;

/**
 * True when `now` is inside the window: the schedule fired at some minute of the last `duration`. An absent
 * window is always open. Uses node-cron's own matcher (with the window's time zone), so the expression means
 * exactly what it means to node-cron.
 */
export function windowOpen(window: RolloutWindow | undefined, now: Date): boolean {
  if (!window) return true;
  const duration = parseDuration(window.duration) ?? 0;
  const task = createTask(window.schedule, () => undefined, { timezone: window.timeZone ?? 'Etc/UTC' });
  try {
    const start = Math.floor(now.getTime() / MINUTE) * MINUTE;
    for (let t = start; t > now.getTime() - duration; t -= MINUTE) {
      if (task.match(new Date(t))) return true;
    }
    return false;
  } finally {
    void task.destroy();
  }
}
