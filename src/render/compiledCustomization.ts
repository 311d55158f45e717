/**
 * A placement's object customized by a fixed list of rules, compiled once into canonical YAML with holes, so that
 * each location only evaluates the rules' templates and fills the holes: no copy of the object, no patching, no
 * serialization per location. At 10,000 locations × dozens of customized objects that was most of rendering.
 *
 * Compiling runs the rules once on the object with a marker in place of each template's value. That is only the
 * same as running them with the real values when the result's shape cannot depend on those values, so anything
 * that could make it depend is not compiled (the caller customizes the object as usual): a JSONPath with a
 * wildcard or filter, a templated JSON-patch op, path or from, a `test` op, a strategic merge with templates in it
 * or after a templated value was placed, `%(name)` expansion, and a templated apiVersion, kind, name or namespace.
 * Filling a hole with a map or list that is not empty changes the shape too: that location is customized as usual.
 */
import { randomBytes } from 'node:crypto';
import type { JsonPatchOperation, Patch } from '../api/customizer.js';
import type { KubeObject } from '../api/kube.js';
import { scalarYaml, toCanonicalYamlTemplate, type YamlTemplate } from './canonicalYaml.js';
import { applyJsonPatch } from './jsonPatch.js';
import { setAtJsonPath } from './jsonPath.js';
import { cloneJson, isMap } from './jsonValue.js';
import { EXPAND_PARAMETERS, type CompiledRule } from './placementPlan.js';
import { strategicMerge } from './strategicMerge.js';
import { renderValue, type Properties, type TemplateCache } from './template.js';

/** An object's customization by one list of rules, ready to be filled for any location. */
export interface CompiledCustomization {
  /** The template strings of the rules, in order; slot `i` holds the value of `templates[i]`. */
  templates: string[];
  yaml: YamlTemplate;
  /** For each hole of `yaml`, its slot. */
  slots: number[];
  /** The customized object's identity, which no template can change. */
  identity: Pick<KubeObject, 'apiVersion' | 'kind'> & { metadata: { name: string; namespace?: string } };
}

// Plain YAML scalars that cannot occur in a spec by accident: a random token per process.
const NONCE = randomBytes(8).toString('hex');
const MARKER = new RegExp(`^ep${NONCE}s([0-9]+)$`);
const markerOf = (slot: number) => `ep${NONCE}s${slot}`;

/** Compiles `object` customized by `rules`, or returns null when its shape may depend on the values (see above). */
export function compileCustomization(object: KubeObject, rules: readonly CompiledRule[]): CompiledCustomization | null {
  const templates: string[] = [];
  // renderValue's walk, with each template string's value a marker.
  const symbolic = (value: unknown): unknown => {
    if (typeof value === 'string') {
      if (!value.includes('{{')) return value;
      templates.push(value);
      return markerOf(templates.length - 1);
    }
    if (Array.isArray(value)) return value.map(symbolic);
    if (isMap(value)) {
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(value)) {
        if (key === '__proto__') throw new Error('unsafe key');
        out[key] = symbolic(value[key]);
      }
      return out;
    }
    return value;
  };
  let current: unknown = cloneJson(object);
  try {
    for (const rule of rules) {
      for (const replacement of rule.replacements) {
        if (replacement.path.segments.some((s) => s.kind === 'wildcard' || s.kind === 'filter')) return null;
        setAtJsonPath(current, replacement.path, symbolic(replacement.value));
      }
      for (const { patch } of rule.patches) {
        current = applySymbolic(current, patch, templates.length > 0, symbolic);
        if (current === undefined) return null;
      }
    }
  } catch {
    // It fails the same way at every location: customizing as usual reports it.
    return null;
  }
  const result = current as KubeObject;
  if (!isMap(result) || !isMap(result.metadata) || result.metadata.annotations?.[EXPAND_PARAMETERS] === 'true') return null;
  const { apiVersion, kind } = result;
  const { name, namespace } = result.metadata;
  const identityFields = [apiVersion, kind, name, ...(namespace === undefined ? [] : [namespace])];
  if (identityFields.some((field) => typeof field !== 'string' || MARKER.test(field))) return null;
  const yaml = toCanonicalYamlTemplate(result, (text) => MARKER.test(text));
  return {
    templates,
    yaml,
    slots: yaml.holes.map((hole) => Number(MARKER.exec(hole.marker)![1])),
    identity: { apiVersion, kind, metadata: namespace === undefined ? { name } : { name, namespace } },
  };
}

/** One patch on the symbolic object; undefined when the patch could make the shape depend on values. */
function applySymbolic(current: unknown, patch: Patch, placed: boolean, symbolic: (value: unknown) => unknown): unknown {
  if ('merge' in patch) {
    // Merging matches list elements by key, and a key may be a value placed before.
    if (placed || JSON.stringify(patch).includes('{{')) return undefined;
    return strategicMerge(current, cloneJson(patch.merge));
  }
  const { op, path, from } = patch as { op: unknown; path: unknown; from?: unknown };
  if (op === 'test' || [op, path, from].some((field) => typeof field === 'string' && field.includes('{{'))) return undefined;
  return applyJsonPatch(current, [symbolic(patch) as JsonPatchOperation]);
}

/**
 * The customized object's canonical YAML at one location, or undefined when a value does not fit a hole (a map or
 * list that is not empty). Throws what evaluating a template throws (the caller customizes as usual to report it).
 */
export function fillCustomization(compiled: CompiledCustomization, props: Properties, cache: TemplateCache): string | undefined {
  const values = compiled.templates.map((template) => renderValue(template, props, cache));
  const { fragments, holes } = compiled.yaml;
  let text = fragments[0]!;
  for (let i = 0; i < holes.length; i++) {
    const scalar = scalarYaml(values[compiled.slots[i]!], holes[i]!.indent);
    if (scalar === undefined) return undefined;
    text += scalar + fragments[i + 1]!;
  }
  return text;
}
