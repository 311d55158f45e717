import { EMPTY_TREE_ID, TreeBuilder } from '../git/objects.js';
import { gitFailed, runGit } from '../git/runGit.js';
import type { Spec } from '../load/spec.js';
import { locationFolder, type OutputTarget } from '../publish/outputTarget.js';
import type { PublishedState } from '../publish/publishedState.js';
import { prepareFleet, renderFleet } from '../reconcile/renderFleet.js';

/**
 * Of `locations`, those whose published output does not (yet) hold `placement` as this spec renders it there:
 * its folder's tree differs, is missing, or the placement fails to render. The check a rollout needs when other
 * processes publish some of its locations (the shards of other replicas): a released location whose owner has not
 * published the new revision yet would otherwise look healthy on the old one. Renders those locations in memory
 * and compares one tree id per location, read with one git process; writes nothing.
 */
export async function unpublishedPlacement(spec: Spec, target: OutputTarget, published: PublishedState, placement: string, locations: readonly string[]): Promise<Set<string>> {
  const wanted = new Set(locations);
  const stale = new Set<string>();
  if (wanted.size === 0) return stale;
  const fleet = prepareFleet(spec, published, (location) => wanted.has(location));
  const expected = new Map<string, string>();
  const prefix = `${placement}/`;
  await renderFleet(fleet, target, published, new Set(), ({ render, tree }) => {
    if (render.failed.has(placement)) return;
    const builder = new TreeBuilder();
    for (const [path, file] of tree.files) if (path.startsWith(prefix)) builder.add(path.slice(prefix.length), file.id);
    expected.set(tree.location, builder.build().rootId);
  });
  const specs = new Map<string, string>();
  for (const location of wanted) {
    const commit = published.locations.get(location)?.commit;
    if (commit && expected.has(location)) specs.set(location, `${commit}:${target.mode === 'folder' ? `${locationFolder(location)}/` : ''}${placement}`);
  }
  const trees = await treeIds(target.gitdir, [...specs.values()]);
  for (const location of wanted) {
    const spec = specs.get(location);
    // A placement with no object at a location has no folder there: Git keeps no empty trees.
    const there = spec === undefined ? undefined : (trees.get(spec) ?? EMPTY_TREE_ID);
    if (there === undefined || there !== expected.get(location)) stale.add(location);
  }
  return stale;
}

/** `<commit>:<path>` → the id of the tree there; absent when there is none. One `git cat-file --batch-check`. */
async function treeIds(gitdir: string, specs: readonly string[]): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  if (specs.length === 0) return ids;
  const result = await runGit({ gitdir, args: ['cat-file', '--batch-check=%(objectname) %(objecttype)', '--buffer'], stdin: `${specs.join('\n')}\n` });
  if (result.code !== 0) throw gitFailed(`checking ${specs.length} placement folder(s)`, result, { gitdir });
  const lines = result.stdout.toString('utf8').split('\n');
  specs.forEach((spec, i) => {
    const match = /^([0-9a-f]{40}) tree$/.exec(lines[i] ?? '');
    if (match) ids.set(spec, match[1]!);
  });
  return ids;
}
