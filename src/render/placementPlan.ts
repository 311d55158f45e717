import type { Customizer, CustomizerRule, ObjectTarget, Patch } from '../api/customizer.js';
import { apiGroupOf, type KubeObject } from '../api/kube.js';
import type { LabelSelector, SourcePosition } from '../api/meta.js';
import type { DeletionPolicy, EdgePlacement, ObjectFilter } from '../api/placement.js';
import type { Spec, SpecObject, TemplateFile } from '../load/spec.js';
import { matchesSelector } from '../schedule/labelSelector.js';
import type { ScopeTable } from '../select/scope.js';
import { matchesObjectFilters, stripServerFields } from '../select/selectObjects.js';
import { markImmutable, toCanonicalYaml } from './canonicalYaml.js';
import { parseJsonPath, type JsonPath } from './jsonPath.js';

/** The annotation that turns on KubeStellar's `%(name)` parameter expansion for one object. */
export const EXPAND_PARAMETERS = 'edgeplane.io/expand-parameters';

/** A customizer rule, parsed once for every location. */
export interface CompiledRule {
  customizer: SpecObject<Customizer>;
  index: number;
  locationSelector: LabelSelector | undefined;
  target: ObjectTarget | undefined;
  replacements: { path: JsonPath; value: unknown; at: SourcePosition }[];
  patches: { patch: Patch; at: SourcePosition }[];
}

/**
 * A plain manifest, selected, stripped and serialized once. Never changed afterwards (it is marked immutable
 * for canonicalYaml.ts): a customization copies the parts it writes (copyOnWrite.ts) and shares the rest.
 */
export interface StaticItem {
  type: 'static';
  object: KubeObject;
  /** Canonical YAML of `object`, shared by every location where no rule applies. */
  text: string;
  source: SourcePosition;
  expand: boolean;
}

/** A template, rendered per location; its objects are filtered after rendering. */
export interface TemplateItem {
  type: 'template';
  template: TemplateFile;
  filters: ObjectFilter[] | undefined;
}

/** Everything about one placement that does not depend on the location. */
export interface PlacementPlan {
  name: string;
  placement: SpecObject<EdgePlacement>;
  customizers: Customizer[];
  rules: CompiledRule[];
  items: (StaticItem | TemplateItem)[];
  deletionPolicy: DeletionPolicy;
}

/** Compiles every placement of a valid spec: selection, stripping, rule parsing and serialization. */
export function planPlacements(spec: Spec, scopes: ScopeTable): Map<string, PlacementPlan> {
  const plans = new Map<string, PlacementPlan>();
  for (const placement of spec.placements) {
    const customizers = (placement.value.spec.customizers ?? []).flatMap((name) => {
      const found = spec.customizers.get(name);
      return found ? [found] : [];
    });
    const deletionPolicy = placement.value.spec.deletionPolicy ?? 'Delete';
    const items: (StaticItem | TemplateItem)[] = [];
    for (const ref of placement.value.spec.workloads) {
      const workload = spec.workloads.get(ref.path);
      if (!workload) continue;
      for (const manifest of workload.manifests) {
        if (!matchesObjectFilters(manifest.object, ref.objects, scopes)) continue;
        const object = withPolicy(stripServerFields(manifest.object), deletionPolicy, placement.value.spec.createOnly ?? false, scopes.isClusterScoped(manifest.object));
        markImmutable(object);
        items.push({
          type: 'static',
          object,
          text: toCanonicalYaml(object),
          source: manifest.doc.source,
          expand: object.metadata.annotations?.[EXPAND_PARAMETERS] === 'true',
        });
      }
      for (const template of workload.templates) items.push({ type: 'template', template, filters: ref.objects });
    }
    plans.set(placement.value.metadata.name, {
      name: placement.value.metadata.name,
      placement,
      customizers: customizers.map((c) => c.value),
      rules: customizers.flatMap((c) => (c.value.spec.rules ?? []).map((rule, index) => compileRule(c, rule, index))),
      items,
      deletionPolicy,
    });
  }
  return plans;
}

function compileRule(customizer: SpecObject<Customizer>, rule: CustomizerRule, index: number): CompiledRule {
  // Positions are for error messages: looked up when one is reported, since finding them can mean parsing the
  // customizer's file again (see load/yamlDocuments.ts).
  const position = (path: (string | number)[]): (() => SourcePosition) => {
    let found: SourcePosition | undefined;
    return () => (found ??= customizer.doc.at(['spec', 'rules', index, ...path]));
  };
  return {
    customizer,
    index,
    locationSelector: rule.locationSelector,
    target: rule.target,
    replacements: (rule.replacements ?? []).map((r, i) => {
      const at = position(['replacements', i, 'value']);
      return {
        path: parseJsonPath(r.path),
        value: r.value,
        get at() {
          return at();
        },
      };
    }),
    patches: (rule.patches ?? []).map((patch, i) => {
      const at = position(['patches', i]);
      return {
        patch,
        get at() {
          return at();
        },
      };
    }),
  };
}

/** The rules of a plan that apply at a location with these labels. */
export function rulesAt(plan: PlacementPlan, labels: Readonly<Record<string, string>> | undefined): CompiledRule[] {
  return plan.rules.filter((rule) => rule.locationSelector === undefined || matchesSelector(rule.locationSelector, labels));
}

/** True when a rule's target matches the object. */
export function targets(rule: CompiledRule, object: KubeObject): boolean {
  const target = rule.target;
  if (!target) return true;
  if (target.apiGroup !== undefined && apiGroupOf(object.apiVersion) !== target.apiGroup) return false;
  if (target.kind !== undefined && object.kind !== target.kind) return false;
  if (target.name !== undefined && object.metadata.name !== target.name) return false;
  if (target.namespace !== undefined && (object.metadata.namespace ?? '') !== target.namespace) return false;
  if (target.labelSelector !== undefined && !matchesSelector(target.labelSelector, object.metadata.labels)) return false;
  return true;
}

/** The annotation Argo CD orders a sync by: lower waves are applied, and healthy, first. */
export const SYNC_WAVE = 'argocd.argoproj.io/sync-wave';

/**
 * The sync wave that applies cluster-wide definitions first at Argo CD locations: `-2` for Namespaces and
 * CRDs, `-1` for other cluster-scoped objects, none for the rest (wave 0). Flux needs nothing: its
 * kustomize-controller applies cluster definitions in a first stage by itself.
 */
export function syncWaveOf(object: KubeObject, clusterScoped: boolean): string | undefined {
  if (object.kind === 'Namespace' || object.kind === 'CustomResourceDefinition') return '-2';
  return clusterScoped ? '-1' : undefined;
}

/**
 * Marks objects with what the placement's policies mean to each consumer, so the consumer honours them
 * without edgeplane keeping state: an orphaned object is never pruned once it leaves the output, a
 * create-only object is never overwritten, cluster-wide definitions are applied first. Every consumer's
 * annotations are written, so a location can change consumer without its objects changing. See
 * docs/consumers.md.
 */
export function withPolicy(object: KubeObject, deletionPolicy: DeletionPolicy, createOnly: boolean, clusterScoped: boolean): KubeObject {
  const wave = object.metadata.annotations?.[SYNC_WAVE] === undefined ? syncWaveOf(object, clusterScoped) : undefined;
  if (deletionPolicy === 'Delete' && !createOnly && wave === undefined) return object;
  const annotations: Record<string, string> = { ...(object.metadata.annotations ?? {}) };
  if (wave !== undefined) annotations[SYNC_WAVE] = wave;
  const argoOptions: string[] = [];
  if (deletionPolicy === 'Orphan') {
    annotations['edgeplane.io/deletion-policy'] = 'Orphan';
    annotations['kustomize.toolkit.fluxcd.io/prune'] = 'disabled';
    argoOptions.push('Prune=false');
  }
  if (createOnly) {
    annotations['edgeplane.io/create-only'] = 'true';
    annotations['kustomize.toolkit.fluxcd.io/ssa'] = 'IfNotPresent';
  }
  if (argoOptions.length > 0) {
    const existing = annotations['argocd.argoproj.io/sync-options'];
    annotations['argocd.argoproj.io/sync-options'] = [...(existing ? existing.split(',') : []), ...argoOptions].join(',');
  }
  return { ...object, metadata: { ...object.metadata, annotations } };
}
