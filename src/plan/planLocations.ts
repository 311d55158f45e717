import type { Problem } from '../errors/problem.js';
import { ProblemList } from '../errors/problem.js';
import { gitFailed, runGit } from '../git/runGit.js';
import { locationFolder, type OutputTarget } from '../publish/outputTarget.js';
import type { PublishedLocation, PublishedState } from '../publish/publishedState.js';
import { renderHeldEverywhere, type Fleet, type RenderFleetOptions } from '../reconcile/renderFleet.js';
import type { LocationTree } from '../render/locationTree.js';

/** What a render would change at one location, object file by object file (`<placement>/<file>.yaml`). */
export interface LocationPlan {
  location: string;
  change: 'create' | 'update' | 'retire';
  added: string[];
  changed: string[];
  removed: string[];
}

/** The locations of a fleet whose output would change, and how many would not. */
export interface LocationPlans {
  locations: LocationPlan[];
  unchanged: number;
  problems: Problem[];
}

/**
 * Renders the fleet's locations (or its shard: `prepareFleet`'s filter) as a reconcile would, with the same
 * holds (`heldAt`, `plansAt` of rollouts), and compares each with what is published, without writing anything.
 * The one diff of `edgeplane plan` and of rollout pull requests. Locations come back in the order rendered.
 */
export async function planLocations(fleet: Fleet, target: OutputTarget, published: PublishedState, options: Pick<RenderFleetOptions, 'heldAt' | 'plansAt'> = {}): Promise<LocationPlans> {
  const problems = new ProblemList();
  let pending: { tree: LocationTree; previous: PublishedLocation | undefined }[] = [];
  let unchanged = 0;
  await renderHeldEverywhere(
    fleet,
    target,
    published,
    problems,
    () => {
      pending = [];
      unchanged = 0;
      return ({ tree, published: previous }) => {
        if (previous?.digest === tree.digest) unchanged++;
        else pending.push({ tree, previous });
      };
    },
    options,
  );
  const retired = new Set(fleet.retired);
  const locations: LocationPlan[] = [];
  for (const { tree, previous } of pending) locations.push(await compareWithPublished(target, tree, previous, retired.has(tree.location)));
  return { locations, unchanged, problems: problems.problems };
}

/** One location's rendered tree against its published output: object files added, changed (other blob), removed. */
export async function compareWithPublished(target: OutputTarget, tree: LocationTree, previous: PublishedLocation | undefined, retired: boolean): Promise<LocationPlan> {
  const old = previous ? await publishedObjects(target, previous.commit, tree.location) : new Map<string, string>();
  const now = new Map([...tree.files].filter(([path]) => isObjectFile(path)).map(([path, file]) => [path, file.id]));
  return {
    location: tree.location,
    change: previous === undefined ? 'create' : retired ? 'retire' : 'update',
    added: [...now.keys()].filter((p) => !old.has(p)).sort(),
    changed: [...now.keys()].filter((p) => old.has(p) && old.get(p) !== now.get(p)).sort(),
    removed: [...old.keys()].filter((p) => !now.has(p)).sort(),
  };
}

/** Object files live in placement folders; the README, kustomization and placement record are not objects. */
function isObjectFile(path: string): boolean {
  return path.includes('/') && !path.startsWith('.edgeplane/') && path.endsWith('.yaml');
}

async function publishedObjects(target: OutputTarget, commit: string, location: string): Promise<Map<string, string>> {
  const treeish = target.mode === 'folder' ? `${commit}:${locationFolder(location)}` : commit;
  const result = await runGit({ gitdir: target.gitdir, args: ['ls-tree', '-r', '-z', treeish] });
  if (result.code !== 0) throw gitFailed(`git ls-tree ${treeish}`, result);
  const files = new Map<string, string>();
  for (const record of result.stdout.toString('utf8').split('\0')) {
    const match = /^\d+ blob ([0-9a-f]{40})\t(.+)$/.exec(record);
    if (match && isObjectFile(match[2]!)) files.set(match[2]!, match[1]!);
  }
  return files;
}
