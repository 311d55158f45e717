/**
 * One reconcile in its own process, so the benchmark can read its peak RSS and every run starts as the CLI does
 * (cold JIT, empty caches). Usage: `node reconcileChild.js <spec repo> <output repo> <now> [pack|isomorphic-git] [workers]`.
 * Prints one JSON line: elapsed milliseconds of `reconcile()`, peak RSS in MiB, and what changed.
 */
import { reconcile, type ObjectWriter } from '../src/reconcile/reconcile.js';

async function main(): Promise<void> {
  const [repo, output, now, writer = 'pack', workers] = process.argv.slice(2);
  if (!repo || !output || !now) throw new Error('usage: reconcileChild <spec repo> <output repo> <now> [writer]');
  const started = process.hrtime.bigint();
  const result = await reconcile({
    source: { repo },
    output: { repo: output },
    now: new Date(now),
    writer: writer as ObjectWriter,
    ...(workers ? { workers: Number(workers) } : {}),
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const report = {
    ms,
    rssMiB: process.resourceUsage().maxRSS / 1024,
    created: result.created.length,
    updated: result.updated.length,
    unchanged: result.unchanged,
    refs: result.publish.updates.length,
    objects: result.publish.objects,
    problems: result.problems.length,
  };
  process.stdout.write(JSON.stringify(report) + '\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
