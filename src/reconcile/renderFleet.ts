import type { Location } from '../api/location.js';
import type { ProblemSink } from '../errors/problem.js';
import { readTreeEntries } from '../git/refs.js';
import type { Spec } from '../load/spec.js';
import { locationFolder, type OutputTarget } from '../publish/outputTarget.js';
import type { PublishedLocation, PublishedState } from '../publish/publishedState.js';
import { locationInputs, placementInputs, type FleetInputs } from '../render/inputDigest.js';
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
  /** What renders read besides each location and its placements, digested once (see inputDigest.ts). */
  inputs: FleetInputs;
}

/**
 * Schedules every placement and compiles what does not depend on the location. With `shard`, only the locations
 * it accepts are assigned (and only those are rendered).
 */
export function prepareFleet(spec: Spec, published: PublishedState, shard?: (location: string) => boolean): Fleet {
  const scopes = new ScopeTable().learn([...spec.workloads.values()].flatMap((w) => w.manifests.map((m) => m.object)));
  const plans = planPlacements(spec, scopes);
  const scheduled = schedule(
    spec.locations.map((l) => l.value),
    spec.placements.map((p) => p.value),
  );
  const assignments = shard ? new Map([...scheduled].filter(([name]) => shard(name))) : scheduled;
  const retired = [...published.locations.keys()].filter((name) => !scheduled.has(name) && (shard?.(name) ?? true)).sort();
  const inputs: FleetInputs = {
    placements: new Map([...plans].map(([name, plan]) => [name, placementInputs(plan, spec.commit)])),
    clusterScoped: clusterScopedKinds(spec),
  };
  return { spec, scopes, plans, assignments, retired, inputs };
}

/** `group/Kind/scope` of every CRD of the spec's workloads, sorted: what the ScopeTable learned from them. */
function clusterScopedKinds(spec: Spec): string[] {
  const kinds = new Set<string>();
  for (const workload of spec.workloads.values()) {
    for (const { object } of workload.manifests) {
      if (object.kind !== 'CustomResourceDefinition') continue;
      const crd = object['spec'] as { group?: unknown; scope?: unknown; names?: { kind?: unknown } } | undefined;
      kinds.add(`${String(crd?.group)}/${String(crd?.names?.kind)}/${String(crd?.scope)}`);
    }
  }
  return [...kinds].sort();
}

/** Receives each rendered location. */
export type LocationVisitor = (rendered: RenderedLocation) => void;

/** How `renderFleet` may save work. */
export interface RenderFleetOptions {
  /**
   * When given, a location whose inputs digest equals the one its published output records (see inputDigest.ts)
   * is not rendered: it is handed here instead of to the visitor. Its output would be the same bytes.
   */
  onUnchanged?: (location: string) => void;
  /**
   * Placements that keep their published files at one location (a rollout that has not released it yet).
   * Unlike `held`, this is not a failure: it never holds the placement elsewhere.
   */
  heldAt?: (location: string) => ReadonlySet<string> | undefined;
  /** Placements rendered from another plan at one location (a rollback); null removes the placement there. */
  plansAt?: (location: string) => ReadonlyMap<string, PlacementPlan | null> | undefined;
}

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
  options: RenderFleetOptions = {},
): Promise<void> {
  const caches: RenderCaches = { values: new Map() };
  const blobIds = new WeakMap<object, string>();
  const { spec } = fleet;
  const workloadsOf = (placement: string) => fleet.plans.get(placement)?.placement.value.spec.workloads.map((w) => w.path) ?? [];
  for (const location of fleetLocations(fleet)) {
    const name = location.metadata.name;
    const placements = fleet.assignments.get(name) ?? [];
    const previous = published.locations.get(name);
    const consumer = location.spec?.consumer ?? spec.settings.defaultConsumer;
    const { inputs, unchanged } = inputsOf(fleet, location, previous);
    const heldHere = options.heldAt?.(name);
    const plansHere = options.plansAt?.(name);
    // A rollout's held or rolled-back placement is not what the inputs digest describes: always rendered.
    if (options.onUnchanged && unchanged && !heldHere?.size && !plansHere?.size) {
      options.onUnchanged(name);
      continue;
    }
    const render = renderLocation(
      location,
      placements,
      plansHere?.size ? withOverrides(fleet.plans, plansHere) : fleet.plans,
      fleet.scopes,
      spec.commit,
      caches,
      heldHere?.size ? new Set([...held, ...heldHere]) : held,
    );
    const kept = render.failed.size > 0 && previous ? await heldFiles(target, name, previous, render.failed) : new Map();
    const tree = composeLocationTree(
      // Inputs are recorded only for a location whose every placement rendered: a held placement's files may
      // change once it renders again, with no change to this location's inputs.
      { render, consumer, sourceCommit: spec.commit, workloadsOf, held: kept, ...(render.failed.size === 0 && !plansHere?.size ? { inputs } : {}) },
      blobIds,
    );
    onLocation({ render, tree, published: previous });
  }
}

function withOverrides(plans: ReadonlyMap<string, PlacementPlan>, overrides: ReadonlyMap<string, PlacementPlan | null>): Map<string, PlacementPlan> {
  const merged = new Map(plans);
  for (const [name, plan] of overrides) {
    if (plan) merged.set(name, plan);
    else merged.delete(name);
  }
  return merged;
}

/** The locations `renderFleet` visits, in its order: those of the fleet (or its shard) and the retired ones, by name. */
export function fleetLocations(fleet: Fleet): Location[] {
  const inShard = fleet.spec.locations.map((l) => l.value).filter((l) => fleet.assignments.has(l.metadata.name));
  return [...inShard, ...fleet.retired.map(retiredLocation)].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
}

/**
 * A location's inputs digest, and whether its published output was rendered from these very inputs by edgeplane
 * with every placement current: rendering it again would repeat that output.
 */
export function inputsOf(fleet: Fleet, location: Location, previous: PublishedLocation | undefined): { inputs: string; unchanged: boolean } {
  let known = INPUTS.get(location);
  if (known?.fleet !== fleet) {
    const placements = fleet.assignments.get(location.metadata.name) ?? [];
    const consumer = location.spec?.consumer ?? fleet.spec.settings.defaultConsumer;
    known = { fleet, inputs: locationInputs(location, placements, consumer, fleet.inputs) };
    INPUTS.set(location, known);
  }
  const { inputs } = known;
  const unchanged = previous?.inputs === inputs && previous.madeByEdgeplane && previous.digest !== undefined;
  return { inputs, unchanged };
}

/** Inputs digests by location, for the fleet they were computed in: a reconcile asks twice per location. */
const INPUTS = new WeakMap<Location, { fleet: Fleet; inputs: string }>();

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
  options: RenderFleetOptions = {},
): Promise<Set<string>> {
  let held = new Set<string>();
  for (;;) {
    const visit = await begin();
    const failed = new Set<string>();
    await renderFleet(
      fleet,
      target,
      published,
      held,
      (rendered) => {
        for (const problem of rendered.render.problems) sink.report(problem);
        const heldHere = options.heldAt?.(rendered.render.location);
        for (const placement of rendered.render.failed) if (!held.has(placement) && !heldHere?.has(placement)) failed.add(placement);
        if (failed.size === 0) visit(rendered);
      },
      options,
    );
    if (failed.size === 0) return held;
    held = new Set([...held, ...failed]);
  }
}
