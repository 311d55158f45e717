import { runGit, gitFailed } from '../git/runGit.js';
import type { Problem } from '../errors/problem.js';
import { ProblemList } from '../errors/problem.js';
import { locationFolder, type OutputTarget } from '../publish/outputTarget.js';
import { readPublishedState } from '../publish/publishedState.js';
import { loadSpec, type SpecSource } from '../reconcile/loadSpec.js';
import { openOutput, type OutputOverrides } from '../reconcile/openOutput.js';
import { prepareFleet, renderHeldEverywhere } from '../reconcile/renderFleet.js';
import type { LocationTree } from '../render/locationTree.js';

/** What a spec commit would change at one location, object by object. */
export interface LocationPlan {
  location: string;
  change: 'create' | 'update' | 'retire';
  added: string[];
  changed: string[];
  removed: string[];
}

export interface Plan {
  specCommit: string;
  locations: LocationPlan[];
  unchanged: number;
  problems: Problem[];
}

/** Renders a spec commit and compares it with what is published, without writing anything. */
export async function planChanges(source: SpecSource, output?: OutputOverrides): Promise<Plan> {
  const { spec, gitdir } = await loadSpec(source);
  const target = await openOutput(spec.settings, source, gitdir, output);
  const published = await readPublishedState(target);
  const fleet = prepareFleet(spec, published);
  const problems = new ProblemList();
  let pending: { tree: LocationTree; before: string | undefined }[] = [];
  let unchanged = 0;
  await renderHeldEverywhere(fleet, target, published, problems, () => {
    pending = [];
    unchanged = 0;
    return ({ tree, published: previous }) => {
      if (previous?.digest === tree.digest) unchanged++;
      else pending.push({ tree, before: previous?.commit });
    };
  });
  const retired = new Set(fleet.retired);
  const locations: LocationPlan[] = [];
  for (const { tree, before } of pending) {
    const old = before ? await publishedObjects(target, before, tree.location) : new Map<string, string>();
    const now = new Map([...tree.files].filter(([path]) => isObjectFile(path)).map(([path, file]) => [path, file.id]));
    locations.push({
      location: tree.location,
      change: before === undefined ? 'create' : retired.has(tree.location) ? 'retire' : 'update',
      added: [...now.keys()].filter((p) => !old.has(p)).sort(),
      changed: [...now.keys()].filter((p) => old.has(p) && old.get(p) !== now.get(p)).sort(),
      removed: [...old.keys()].filter((p) => !now.has(p)).sort(),
    });
  }
  return { specCommit: spec.commit, locations, unchanged, problems: problems.problems };
}

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

/** `deployment.apps_telemetry_ingest.yaml` under `telemetry/` → `telemetry: Deployment.apps telemetry/ingest`. */
export function describeObjectFile(path: string): string {
  const [placement, file] = [path.slice(0, path.indexOf('/')), path.slice(path.indexOf('/') + 1, -'.yaml'.length)];
  const parts = file.split('_');
  const kind = parts[0]!;
  const name = parts.length === 3 ? `${parts[1]}/${parts[2]}` : parts[1];
  return `${placement}: ${kind} ${name}`;
}

/** The plan as markdown a reviewer can paste into a pull request. */
export function formatPlanMarkdown(plan: Plan): string {
  const lines = [`## edgeplane plan for \`${plan.specCommit.slice(0, 12)}\``, ''];
  if (plan.locations.length === 0) lines.push(`No location changes (${plan.unchanged} unchanged).`);
  else lines.push(`${plan.locations.length} location(s) change, ${plan.unchanged} unchanged.`);
  for (const location of plan.locations) {
    lines.push('', `### ${location.location} (${location.change})`, '');
    const rows = [
      ...location.added.map((p) => `| + | ${describeObjectFile(p)} |`),
      ...location.changed.map((p) => `| ~ | ${describeObjectFile(p)} |`),
      ...location.removed.map((p) => `| - | ${describeObjectFile(p)} |`),
    ];
    if (rows.length === 0) lines.push('Only the placement record changes (placements or consumer).');
    else lines.push('| | object |', '| --- | --- |', ...rows);
  }
  if (plan.problems.length > 0) lines.push('', `**${plan.problems.length} problem(s)**: their placements keep their last good output.`);
  return lines.join('\n') + '\n';
}
