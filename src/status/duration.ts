import { EdgeplaneError } from '../errors/edgeplaneError.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Milliseconds of a Go-style duration: one or more `<integer><unit>` parts, units `ms`, `s`, `m`, `h`
 * (`90s`, `15m`, `1h30m`). Throws BAD_ARGUMENT naming the value otherwise.
 */
export function parseDuration(text: string): number {
  if (!/^([0-9]+(ms|s|m|h))+$/.test(text)) {
    throw new EdgeplaneError('BAD_ARGUMENT', `${JSON.stringify(text)} is not a duration: write e.g. 90s, 15m or 1h30m`, { value: text });
  }
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/([0-9]+)(ms|s|m|h)/g)) total += Number(amount) * UNITS[unit!]!;
  return total;
}
