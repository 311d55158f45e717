import { createHash } from 'node:crypto';
import { apiGroupOf, type KubeObject } from '../api/kube.js';
import type { Consumer } from '../api/location.js';
import { hashBlobText } from '../git/objects.js';
import { toCanonicalYaml } from './canonicalYaml.js';
import { applyRank, rankOfKind } from './applyOrder.js';
import type { LocationRender, RenderedObject } from './renderLocation.js';

/** A file of a location's output: its text and blob id. */
export interface OutputFile {
  text: string;
  id: string;
  /** The UTF-8 bytes of `text` when they were made to hash it; otherwise the writer encodes `text`. */
  body?: Buffer;
}

/** A file kept from the last good output of a placement that failed to render. */
export interface HeldFile {
  /** Path relative to the location root, `<placement>/<file>`. */
  path: string;
  id: string;
}

/** Everything one location runs, as files, and the digest of its content. */
export interface LocationTree {
  location: string;
  /** Path relative to the location root → content. Held files have an id and no text. */
  files: Map<string, OutputFile | HeldFile>;
  /**
   * `sha1:<hex>` over every object file, the kustomization and the placement record except its source
   * commit: equal digests mean nothing a consumer sees has changed, so no commit is needed.
   */
  digest: string;
  /**
   * The inputs digest this output was rendered from (see inputDigest.ts), when every placement rendered. Not a
   * file: the location's commit carries it, so the tree stays a function of the output alone.
   */
  inputs?: string;
  objectCount: number;
}

export interface ComposeInput {
  render: LocationRender;
  consumer: Consumer;
  sourceCommit: string;
  workloadsOf: (placement: string) => string[];
  /** Last good files of placements in `render.failed`. */
  held: ReadonlyMap<string, readonly HeldFile[]>;
  /** The inputs digest of the render, passed through to the tree for the publisher to record. */
  inputs?: string;
}

/** The file, within its placement's folder, that holds an object: `<kind>[.<group>]_[<namespace>_]<name>.yaml`. */
export function fileNameOf(object: KubeObject): string {
  const group = apiGroupOf(object.apiVersion);
  const kind = object.kind.toLowerCase() + (group ? `.${group}` : '');
  const namespace = object.metadata.namespace ? `${object.metadata.namespace}_` : '';
  return `${kind}_${namespace}${object.metadata.name}.yaml`;
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** The kind of an object from its file name (for held files, whose content is not read). */
function kindOfFile(path: string): string {
  const base = baseName(path);
  return base.slice(0, base.indexOf('_')).split('.')[0] ?? '';
}

/**
 * Lays out a location's output: `<placement>/<file>` per object, `kustomization.yaml` listing every
 * resource in apply order, `.edgeplane/placement.yaml` and `README.md`. Deterministic: the same render gives
 * the same bytes.
 */
export function composeLocationTree(input: ComposeInput, blobIds: WeakMap<object, string>): LocationTree {
  const { render } = input;
  const files = new Map<string, OutputFile | HeldFile>();
  const resources: { path: string; rank: number }[] = [];
  const byPlacement = new Map<string, string[]>();
  const addResource = (placement: string, path: string, rank: number) => {
    resources.push({ path, rank });
    byPlacement.set(placement, [...(byPlacement.get(placement) ?? []), path]);
  };

  // A held placement keeps its files exactly; an object it shares with a current placement stays in the
  // held folder, so the object is listed once and nothing the edge runs changes.
  const heldNames = new Set<string>();
  for (const [placement, held] of input.held) {
    for (const file of held) {
      if (!file.path.endsWith('.yaml')) continue;
      files.set(file.path, file);
      heldNames.add(baseName(file.path));
      addResource(placement, file.path, rankOfKind(kindOfFile(file.path)));
    }
  }
  for (const object of render.objects) {
    const name = fileNameOf(object.object);
    if (heldNames.has(name)) continue;
    const path = `${object.placement}/${name}`;
    files.set(path, outputFileOf(object, blobIds));
    addResource(object.placement, path, applyRank(object.object));
  }
  resources.sort((a, b) => a.rank - b.rank || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const kustomization = toCanonicalYaml({
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: resources.map((r) => r.path),
  });
  files.set('kustomization.yaml', textFile(kustomization));

  const placements = render.placements.map((name) => ({
    name,
    state: placementState(name, render, input),
    workloads: input.workloadsOf(name),
    files: (byPlacement.get(name) ?? []).sort(),
  }));
  // A placement's state (held or current) is left out: holding a placement alone changes nothing an edge sees.
  const digest = contentDigest(files, toCanonicalYaml({ consumer: input.consumer, placements: placements.map(({ state: _, ...p }) => p) }));
  const record = {
    apiVersion: 'edgeplane.io/v1alpha1',
    kind: 'LocationPlacement',
    metadata: { name: render.location },
    spec: { consumer: input.consumer, sourceCommit: input.sourceCommit, digest, placements },
  };
  files.set('.edgeplane/placement.yaml', textFile(toCanonicalYaml(record)));
  files.set('README.md', textFile(locationReadme(render.location, input, placements, resources.length)));
  const tree: LocationTree = { location: render.location, files, digest, objectCount: resources.length };
  if (input.inputs !== undefined) tree.inputs = input.inputs;
  return tree;
}

/** Reads the digest back from a published `.edgeplane/placement.yaml`. */
export function digestOfRecord(text: string): string | undefined {
  return /^ {2}digest: (sha1:[0-9a-f]{40})$/m.exec(text)?.[1];
}

const STATE_LEGEND =
  'State: `current` is rendered from this commit; `held` keeps the last output (a rollout has not released the new ' +
  'revision here yet, or the placement failed to render: see the reconcile output); `waiting`: a rollout has not ' +
  'released the placement here yet; `failed`: it failed to render and has no earlier output.';

function textFile(text: string): OutputFile {
  const { id, body } = hashBlobText(text);
  return { text, id, body };
}

function outputFileOf(object: RenderedObject, cache: WeakMap<object, string>): OutputFile {
  // Unchanged static objects are the same JS object at every location: hash them once.
  const known = cache.get(object.object);
  if (known) return { text: object.text, id: known };
  const file = textFile(object.text);
  cache.set(object.object, file.id);
  return file;
}

/** Covers every output file and what the placement record says besides the source commit. */
function contentDigest(files: ReadonlyMap<string, OutputFile | HeldFile>, record: string): string {
  const hash = createHash('sha1').update(record);
  for (const path of [...files.keys()].sort()) hash.update(`${path} ${files.get(path)!.id}\n`);
  return `sha1:${hash.digest('hex')}`;
}

/**
 * `current`: rendered from this spec commit; `held`: its last output kept (a rollout has not released the new
 * revision here, or it failed to render); `waiting`: a rollout has not released it here and there is no older
 * output to keep; `failed`: it failed to render and never rendered here before.
 */
function placementState(name: string, render: LocationRender, input: ComposeInput): 'current' | 'held' | 'waiting' | 'failed' {
  if (!render.failed.has(name)) return 'current';
  if (input.held.has(name)) return 'held';
  return render.waiting.has(name) ? 'waiting' : 'failed';
}

function locationReadme(
  location: string,
  input: ComposeInput,
  placements: { name: string; state: string; workloads: string[]; files: string[] }[],
  objectCount: number,
): string {
  const rows = placements.map((p) => `| ${p.name} | ${p.workloads.join(', ')} | ${p.files.length} | ${p.state} |`);
  const lines = [
    `# ${location}`,
    '',
    `Everything the edge location **${location}** runs, rendered by edgeplane from spec commit`,
    `\`${input.sourceCommit}\`. Do not edit: edgeplane rewrites this output on every change of the spec.`,
    '',
    placements.length === 0
      ? 'No placement selects this location any more: its output is empty, so its consumer prunes what it applied.'
      : `${objectCount} objects from ${placements.length} placement(s):`,
    '',
    ...(placements.length > 0 ? ['| placement | workloads | objects | state |', '| --- | --- | --- | --- |', ...rows, ''] : []),
    ...(placements.some((p) => p.state !== 'current') ? [STATE_LEGEND, ''] : []),
    '## How to consume it',
    '',
    `This location's consumer is \`${input.consumer}\`. The root is a kustomization: \`kubectl apply -k .\`,`,
    'an Argo CD Application or a Flux Kustomization pointed at this path builds it unchanged.',
    '`.edgeplane/placement.yaml` records the placements, workloads, source commit and content digest.',
    '',
  ];
  return lines.join('\n');
}
