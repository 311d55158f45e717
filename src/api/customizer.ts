import type { ParamValue } from './location.js';
import type { LabelSelector, ObjectMeta } from './meta.js';

/**
 * `kind: Customizer` — per-location changes to the objects of the placements that name it.
 * Lives in `customizers/*.yaml` of the spec repo.
 */
export interface Customizer {
  apiVersion: 'edgeplane.io/v1alpha1';
  kind: 'Customizer';
  metadata: ObjectMeta;
  spec: CustomizerSpec;
}

export interface CustomizerSpec {
  /** Default properties, lowest precedence above the built-ins. */
  params?: Record<string, ParamValue>;
  /** Rules applied in order. */
  rules?: CustomizerRule[];
}

export interface CustomizerRule {
  /** Optional: the rule applies only at locations this selector matches. Absent: every location. */
  locationSelector?: LabelSelector;
  /** Optional: the rule applies only to objects matching every field given. Absent: every object. */
  target?: ObjectTarget;
  /** Set the value at a JSONPath. The value's strings are handlebars templates over the properties. */
  replacements?: Replacement[];
  /**
   * RFC 6902 JSON patch operations (`op` is set) or strategic-merge patches (`merge` is set), applied in
   * order. String values are handlebars templates over the properties.
   */
  patches?: Patch[];
}

export interface ObjectTarget {
  apiGroup?: string;
  kind?: string;
  namespace?: string;
  name?: string;
  labelSelector?: LabelSelector;
}

export interface Replacement {
  /** A JSONPath: `$.spec.replicas`, `$.spec.template.spec.containers[0].image`, `$.spec.containers[?(@.name=='app')].image`. */
  path: string;
  /**
   * The value. A string that is exactly one `{{expression}}` keeps the property's type (a number stays a
   * number); other strings are rendered as text.
   */
  value: ParamValue;
}

/** One RFC 6902 operation, or a strategic-merge patch. */
export type Patch = JsonPatchOperation | StrategicMergePatch;

export interface JsonPatchOperation {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  /** A JSON pointer (RFC 6901). */
  path: string;
  /** For `move` and `copy`. */
  from?: string;
  /** For `add`, `replace` and `test`. */
  value?: ParamValue;
}

export interface StrategicMergePatch {
  /** A partial object merged into the target the way `kubectl patch --type strategic` does. */
  merge: { [key: string]: ParamValue };
}
