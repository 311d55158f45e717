import type { Location } from '../api/location.js';
import type { ProblemSink } from '../errors/problem.js';
import { readTreeEntries } from '../git/refs.js';
import type { Spec } from '../load/spec.js';
import { locationFolder, type OutputTarget } from '../publish/outputTarget.js';
import type { PublishedLocation, PublishedState } from '../publish/publishedState.js';
import { composeLocationTree, type HeldFile, type LocationTree } from '../render/locationTree.js';
import { planPlacements, type PlacementPlan } from '../render/placementPlan.js';
import { renderLocation, type LocationRender, type RenderCaches } from '../render/renderLocation.js';
import { schedule } from '../schedule/schedule.js';
import { ScopeTable } from '../select/scope.js';

/** The location-independent part of a reconcile: scopes, compiled placements, the schedule. */
export interface Fleet {
  spec: Spec;
  scopes: ScopeTable;
  plans: Map<string, PlacementPlan>;
  assignments: Map<string, string[]>;
  /** Published locations that are no longer in the inventory: they get empty output. */
  retired: string[];
}

/** Schedules every placement and compiles what does not depend on the location. */
export function prepareFleet(spec: Spec, published: PublishedState): Fleet {
  const scopes = new ScopeTable().learn([...spec.workloads.values()].flatMap((w) => w.manifests.map((m) => m.object)));
  const plans = planPlacements(spec, scopes);
  const assignments = schedule(
    spec.locations.map((l) => l.value),
    spec.placements.map((p) => p.value),
  );
  const retired = [...published.locations.keys()].filter((name) => !assignments.has(name)).sort();
  return { spec, scopes, plans, assignments, retired };
}

/** Receives each rendered location. */
export type LocationVisitor = (rendered: RenderedLocation) => void;

/** One location's render and its composed tree. */
export interface RenderedLocation {
  render: LocationRender;
  tree: LocationTree;
  published: PublishedLocation | undefined;
}

/**
 * Renders every location (by name, retired ones included), composes its tree and hands it to `onLocation`
 * one at a time, so memory holds one location's output at once. Placements in `held`, and any that fail at
 * a location, keep their last good files there, read from what is published.
 */
export async function renderFleet(
  fleet: Fleet,
  target: OutputTarget,
  published: PublishedState,
  held: ReadonlySet<string>,
  onLocation: (rendered: RenderedLocation) => void,
): Promise<void> {
  const caches: RenderCaches = { values: new Map() };
  const blobIds = new WeakMap<object, string>();
  const { spec } = fleet;
  const workloadsOf = (placement: string) => fleet.plans.get(placement)?.placement.value.spec.workloads.map((w) => w.path) ?? [];
  const locations = [...spec.locations.map((l) => l.value), ...fleet.retired.map(retiredLocation)].sort((a, b) =>
    a.metadata.name < b.metadata.name ? -1 : 1,
  );
  for (const location of locations) {
    const name = location.metadata.name;
    const placements = fleet.assignments.get(name) ?? [];
    const render = renderLocation(location, placements, fleet.plans, fleet.scopes, spec.commit, caches, held);
    const previous = published.locations.get(name);
    const kept = render.failed.size > 0 && previous ? await heldFiles(target, name, previous, render.failed) : new Map();
    const consumer = location.spec?.consumer ?? spec.settings.defaultConsumer;
    const tree = composeLocationTree({ render, consumer, sourceCommit: spec.commit, workloadsOf, held: kept }, blobIds);
    onLocation({ render, tree, published: previous });
  }
}

function retiredLocation(name: string): Location {
  return { apiVersion: 'edgeplane.io/v1alpha1', kind: 'Location', metadata: { name } };
}

async function heldFiles(
  target: OutputTarget,
  location: string,
  previous: PublishedLocation,
  failed: ReadonlySet<string>,
): Promise<Map<string, HeldFile[]>> {
  const held = new Map<string, HeldFile[]>();
  const root = target.mode === 'folder' ? `${previous.commit}:${locationFolder(location)}/` : `${previous.commit}:`;
  for (const placement of failed) {
    const entries = await readTreeEntries(target.gitdir, `${root}${placement}`).catch(() => []);
    if (entries.length > 0) held.set(placement, entries.map((e) => ({ path: `${placement}/${e.name}`, id: e.id })));
  }
  return held;
}

/**
 * Renders the fleet so that a placement failing anywhere is held everywhere: its new revision reaches all
 * of its locations or none. Failures are rare, so each pass hands locations to the visitor `begin()` returns
 * optimistically; a new failure stops the visits and starts another pass with the failed placements held.
 * `held` only grows, so this ends. Returns the held placements; problems go to `sink`.
 */
export async function renderHeldEverywhere(
  fleet: Fleet,
  target: OutputTarget,
  published: PublishedState,
  sink: ProblemSink,
  begin: () => LocationVisitor | Promise<LocationVisitor>,
): Promise<Set<string>> {
  let held = new Set<string>();
  for (;;) {
    const visit = await begin();
    const failed = new Set<string>();
    await renderFleet(fleet, target, published, held, (rendered) => {
      for (const problem of rendered.render.problems) sink.report(problem);
      for (const placement of rendered.render.failed) if (!held.has(placement)) failed.add(placement);
      if (failed.size === 0) visit(rendered);
    });
    if (failed.size === 0) return held;
    held = new Set([...held, ...failed]);
  }
}
