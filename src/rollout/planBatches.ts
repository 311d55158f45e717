/**
 * Splits a wave's locations into batches of at most `size`, in order, such that every pair in a batch
 * satisfies `compatible` (a domain constraint, e.g. not two of one region). Greedy and deterministic:
 * each location goes into the first batch with room that accepts it. Pure.
 */
export function planBatches<T>(items: readonly T[], size: number, compatible: (a: T, b: T) => boolean): T[][] {
  const batches: T[][] = [];
  for (const item of items) {
    const batch = batches.find((b) => b.length < size && b.every((other) => compatible(item, other)));
    if (batch) batch.push(item);
    else batches.push([item]);
  }
  return batches;
}

/** `maxUnavailable` of a wave of `total` locations: a count, or a percentage rounded up; at least 1. */
export function batchSize(maxUnavailable: number | string | undefined, total: number): number {
  if (maxUnavailable === undefined) return Math.max(1, total);
  if (typeof maxUnavailable === 'number') return Math.max(1, Math.floor(maxUnavailable));
  const percent = Number(maxUnavailable.replace(/%$/, ''));
  return Math.max(1, Math.ceil((total * percent) / 100));
}
