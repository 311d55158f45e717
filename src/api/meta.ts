/**
 * Shared shapes of the `edgeplane.io/v1alpha1` API: object metadata and label selectors.
 * Field semantics follow Kubernetes (apimachinery `ObjectMeta`, `LabelSelector`) exactly.
 */

/** The API group and version of every edgeplane kind. */
export const API_VERSION = 'edgeplane.io/v1alpha1';

/** Metadata carried by every edgeplane object. */
export interface ObjectMeta {
  /** DNS-1123 label (lowercase alphanumerics and '-', at most 63 characters); it becomes branch and folder names. */
  name: string;
  /** Free-form labels, matched by label selectors. Keys and values follow Kubernetes label syntax. */
  labels?: Record<string, string>;
  /** Free-form annotations; also customization properties (below labels, above customizer params). */
  annotations?: Record<string, string>;
}

/** One requirement of a label selector. */
export interface LabelSelectorRequirement {
  /** The label key the requirement applies to. */
  key: string;
  /** `In` and `NotIn` need a non-empty `values`; `Exists` and `DoesNotExist` must have none. */
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

/**
 * A Kubernetes LabelSelector. All of `matchLabels` and `matchExpressions` must hold (AND).
 * An empty selector (`{}`) matches every location; an absent selector matches none where a selector is
 * required (see each field's documentation).
 */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

/** Where an object came from: the spec-repo file and the 1-based line and column of its document. */
export interface SourcePosition {
  file: string;
  line: number;
  col: number;
}
