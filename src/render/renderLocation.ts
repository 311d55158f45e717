import type { JsonPatchOperation, Patch } from '../api/customizer.js';
import { objectKey, type KubeObject } from '../api/kube.js';
import type { Location } from '../api/location.js';
import type { SourcePosition } from '../api/meta.js';
import type { Problem } from '../errors/problem.js';
import { ProblemList } from '../errors/problem.js';
import { decodeManifest } from '../load/parseSpec.js';
import { parseYamlDocuments } from '../load/yamlDocuments.js';
import type { ScopeTable } from '../select/scope.js';
import { impliedNamespace, matchesObjectFilters, stripServerFields } from '../select/selectObjects.js';
import { toCanonicalYaml } from './canonicalYaml.js';
import { expandParameters } from './expandParameters.js';
import { compileCustomization, fillCustomization, type CompiledCustomization } from './compiledCustomization.js';
import { CopyOnWrite } from './copyOnWrite.js';
import { applyJsonPatch, parseJsonPointer } from './jsonPatch.js';
import { setAtJsonPath } from './jsonPath.js';
import { EXPAND_PARAMETERS, rulesAt, targets, withPolicy, type CompiledRule, type PlacementPlan, type StaticItem } from './placementPlan.js';
import { buildProperties, lookupProperty } from './properties.js';
import { RenderError } from './renderError.js';
import { strategicMerge } from './strategicMerge.js';
import { renderValue, type Properties } from './template.js';

/** One object as it will be written at a location. */
export interface RenderedObject {
  key: string;
  object: KubeObject;
  /** Canonical YAML. */
  text: string;
  /** The placement whose folder holds it. */
  placement: string;
  source: SourcePosition;
}

/** What a location receives, per placement, and which placements could not be rendered there. */
export interface LocationRender {
  location: string;
  placements: string[];
  objects: RenderedObject[];
  /** Placements with problems at this location, or held by a rollout: they keep their last good output. */
  failed: Set<string>;
  /** The placements of `failed` that a rollout holds (not released here yet), rather than broke. */
  waiting: Set<string>;
  problems: Problem[];
}

/** Caches shared across locations for one reconcile. */
export interface RenderCaches {
  values: Map<string, unknown>;
  /**
   * false: customize every object step by step, never from a compiled customization (compiledCustomization.ts).
   * The output is the same; tests compare the two. Default true.
   */
  compile?: boolean;
}

/**
 * Renders everything one location receives: each placement's objects, customized, then the Namespaces the
 * namespaced objects imply. The same object from two placements must come out identical; otherwise both
 * placements fail at this location with a conflict. Placements in `held` are not rendered: they count as
 * failed, so they keep their last good output. Pure: data in, data out.
 */
export function renderLocation(
  location: Location,
  placementNames: readonly string[],
  plans: ReadonlyMap<string, PlacementPlan>,
  scopes: ScopeTable,
  sourceCommit: string,
  caches: RenderCaches,
  held: ReadonlySet<string> = new Set(),
): LocationRender {
  const problems = new ProblemList();
  const failed = new Set<string>();
  const waiting = new Set<string>();
  const perPlacement = new Map<string, RenderedObject[]>();

  for (const name of placementNames) {
    const plan = plans.get(name);
    if (!plan) continue;
    if (held.has(name)) {
      failed.add(name);
      waiting.add(name);
      continue;
    }
    const before = problems.problems.length;
    const objects = renderPlacement(location, plan, scopes, sourceCommit, caches, problems);
    if (problems.problems.length > before) failed.add(name);
    else perPlacement.set(name, objects);
  }

  const byKey = new Map<string, RenderedObject>();
  for (const [name, objects] of perPlacement) {
    for (const object of objects) {
      const other = byKey.get(object.key);
      if (!other) {
        byKey.set(object.key, object);
      } else if (other.text !== object.text && other.placement !== name) {
        reportConflict(location, other, object, problems);
        failed.add(other.placement).add(name);
      }
    }
  }
  const objects = [...byKey.values()].filter((o) => !failed.has(o.placement));
  addImpliedNamespaces(objects, scopes);
  for (const problem of problems.problems) problem.locations = [location.metadata.name];
  return { location: location.metadata.name, placements: [...placementNames], objects, failed, waiting, problems: problems.problems };
}

function renderPlacement(
  location: Location,
  plan: PlacementPlan,
  scopes: ScopeTable,
  sourceCommit: string,
  caches: RenderCaches,
  problems: ProblemList,
): RenderedObject[] {
  const rules = rulesAt(plan, location.metadata.labels);
  let props: Properties | undefined;
  const properties = () => (props ??= buildProperties(location, plan.name, plan.customizers, sourceCommit));
  const result: RenderedObject[] = [];
  const context: CustomizeContext = { plan, properties, caches, problems };

  for (const item of plan.items) {
    if (item.type === 'static') {
      const applicable = rules.filter((rule) => targets(rule, item.object));
      if (applicable.length === 0 && !item.expand) {
        result.push({ key: objectKey(item.object), object: item.object, text: item.text, placement: plan.name, source: item.source });
        continue;
      }
      const compiled = item.expand || caches.compile === false ? null : compiledFor(item, applicable, plan);
      const text = compiled ? fill(compiled, properties(), caches.values) : undefined;
      if (compiled && text !== undefined) {
        const { apiVersion, kind, metadata } = compiled.identity;
        // A fresh object per location: composing caches blob ids by object (locationTree.ts).
        const object = { apiVersion, kind, metadata: { ...metadata } } as KubeObject;
        result.push({ key: objectKey(object), object, text, placement: plan.name, source: item.source });
        continue;
      }
      const customized = customize(item.object, false, item.source, applicable, context);
      if (customized) result.push(rendered(customized, plan.name, item.source));
      continue;
    }
    let text: string;
    try {
      text = item.template.template.render(properties());
    } catch (error) {
      reportError(error, item.template.file, plan.name, undefined, problems);
      continue;
    }
    const sink = new ProblemList();
    for (const doc of parseYamlDocuments(text, item.template.file, sink)) {
      const manifest = decodeManifest(doc, item.template.file, sink);
      if (!manifest || !matchesObjectFilters(manifest.object, item.filters, scopes)) continue;
      const object = withPolicy(stripServerFields(manifest.object), plan.deletionPolicy, plan.placement.value.spec.createOnly ?? false, scopes.isClusterScoped(manifest.object));
      const applicable = rules.filter((rule) => targets(rule, object));
      const customized = customize(object, true, doc.source, applicable, context);
      if (customized) result.push(rendered(customized, plan.name, doc.source));
    }
    for (const problem of sink.problems) {
      problems.report({
        ...problem,
        placement: plan.name,
        message: `after rendering the template: ${problem.message}`,
        hint: `${problem.hint ?? ''}; the line is of the rendered output`.replace(/^; /, ''),
      });
    }
  }
  return result;
}

/** Compiled customizations of each static item, by the rules that apply to it (as their indexes in the plan). */
const COMPILED = new WeakMap<StaticItem, Map<string, CompiledCustomization | null>>();

function compiledFor(item: StaticItem, rules: readonly CompiledRule[], plan: PlacementPlan): CompiledCustomization | null {
  let byRules = COMPILED.get(item);
  if (byRules === undefined) COMPILED.set(item, (byRules = new Map()));
  const key = rules.map((rule) => plan.rules.indexOf(rule)).join(',');
  let compiled = byRules.get(key);
  if (compiled === undefined) byRules.set(key, (compiled = compileCustomization(item.object, rules)));
  return compiled;
}

/** The compiled customization filled for one location; undefined to customize as usual (which reports errors). */
function fill(compiled: CompiledCustomization, props: Properties, cache: Map<string, unknown>): string | undefined {
  try {
    return fillCustomization(compiled, props, cache);
  } catch {
    return undefined;
  }
}

interface CustomizeContext {
  plan: PlacementPlan;
  properties: () => Properties;
  caches: RenderCaches;
  problems: ProblemList;
}

/**
 * Applies rules, then `%(name)` expansion; reports and returns undefined when a step fails. `fresh`: the object
 * was made for this location (a rendered template); otherwise it is a placement's shared object, which is never
 * changed: the parts a step writes are copied first (copyOnWrite.ts).
 */
function customize(
  object: KubeObject,
  fresh: boolean,
  source: SourcePosition,
  rules: readonly CompiledRule[],
  ctx: CustomizeContext,
): KubeObject | undefined {
  const id = `${object.kind}/${object.metadata.name}`;
  const doc = new CopyOnWrite(object, fresh);
  for (const rule of rules) {
    for (const replacement of rule.replacements) {
      try {
        const value = renderValue(replacement.value, ctx.properties(), ctx.caches.values);
        doc.ownJsonPath(replacement.path);
        setAtJsonPath(doc.root, replacement.path, value);
      } catch (error) {
        reportError(error, replacement.at.file, ctx.plan.name, id, ctx.problems, replacement.at);
        return undefined;
      }
    }
    for (const patch of rule.patches) {
      try {
        applyPatch(doc, patch.patch, ctx);
      } catch (error) {
        reportError(error, patch.at.file, ctx.plan.name, id, ctx.problems, patch.at);
        return undefined;
      }
    }
  }
  if ((doc.root as KubeObject).metadata?.annotations?.[EXPAND_PARAMETERS] === 'true') {
    try {
      doc.ownAll();
      doc.adopt(expandParameters(doc.root, (name) => lookupProperty(ctx.properties(), name)));
    } catch (error) {
      reportError(error, source.file, ctx.plan.name, id, ctx.problems, source);
      return undefined;
    }
  }
  return doc.root as KubeObject;
}

function applyPatch(doc: CopyOnWrite, patch: Patch, ctx: CustomizeContext): void {
  const rendered = renderValue(patch, ctx.properties(), ctx.caches.values) as Patch;
  if ('merge' in rendered) {
    doc.ownAll();
    doc.adopt(strategicMerge(doc.root, rendered.merge));
    return;
  }
  ownForJsonPatch(doc, rendered);
  const result = applyJsonPatch(doc.root, [rendered]);
  if (result !== doc.root) doc.adopt(result);
}

/** Makes writable what one JSON patch operation may write. A malformed one owns nothing: it fails when applied. */
function ownForJsonPatch(doc: CopyOnWrite, op: JsonPatchOperation): void {
  const tokens = (pointer: unknown): string[] | undefined => {
    try {
      return typeof pointer === 'string' ? parseJsonPointer(pointer) : undefined;
    } catch {
      return undefined;
    }
  };
  const path = tokens(op.path);
  switch (op.op) {
    case 'test':
      return;
    case 'add':
    case 'replace':
    case 'remove':
    case 'copy':
      if (path) doc.ownPointerParent(path);
      return;
    case 'move': {
      const from = tokens(op.from);
      if (path) doc.ownPointerParent(path);
      if (from) doc.ownPointerParent(from);
      return;
    }
    default:
      doc.ownAll();
  }
}

function rendered(object: KubeObject, placement: string, source: SourcePosition): RenderedObject {
  return { key: objectKey(object), object, text: toCanonicalYaml(object), placement, source };
}

function reportError(
  error: unknown,
  file: string,
  placement: string,
  object: string | undefined,
  problems: ProblemList,
  at?: SourcePosition,
): void {
  if (!(error instanceof RenderError)) throw error;
  const line = at?.line ?? error.line ?? 0;
  const col = at?.col ?? error.col ?? 0;
  problems.report({
    code: error.code,
    file,
    line,
    col,
    ...(object ? { object } : {}),
    placement,
    message: error.message,
    hint: error.hint,
  });
}

function reportConflict(location: Location, a: RenderedObject, b: RenderedObject, problems: ProblemList): void {
  const id = `${a.object.kind}/${a.object.metadata.name}`;
  for (const [mine, theirs] of [
    [a, b],
    [b, a],
  ] as const) {
    problems.report({
      code: 'conflict',
      ...mine.source,
      object: id,
      placement: mine.placement,
      message: `placements ${JSON.stringify(a.placement)} and ${JSON.stringify(b.placement)} both place ${id} at ${location.metadata.name}, but differently (the other is at ${theirs.source.file}:${theirs.source.line})`,
      hint: 'make the two objects identical after customization, or place the object from one placement only',
    });
  }
}

/** Namespaces every cluster has and no one may prune: never implied. */
const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/** Adds the Namespace each namespaced object implies, in the folder of the first placement that needs it. */
function addImpliedNamespaces(objects: RenderedObject[], scopes: ScopeTable): void {
  const have = new Set(SYSTEM_NAMESPACES);
  for (const o of objects) if (o.object.kind === 'Namespace' && o.object.apiVersion === 'v1') have.add(o.object.metadata.name);
  for (const object of [...objects]) {
    const namespace = object.object.metadata.namespace;
    if (!namespace || have.has(namespace) || scopes.isClusterScoped(object.object)) continue;
    have.add(namespace);
    objects.push(rendered(impliedNamespace(namespace), object.placement, object.source));
  }
}
