import type { Percentiles } from '../scenarioData.js';

/**
 * p50 / p90 / max of `values` by the nearest-rank method (the p-th percentile is the smallest value with at least
 * p% of the values at or below it), so every percentile is a value that was measured. All null when empty.
 */
export function percentiles(values: readonly number[]): Percentiles {
  if (values.length === 0) return { p50: null, p90: null, max: null };
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number): number => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
  return { p50: rank(50), p90: rank(90), max: sorted[sorted.length - 1]! };
}
