import type { Customizer } from '../api/customizer.js';
import type { Location } from '../api/location.js';
import type { Properties } from './template.js';

/** Names that always mean the built-ins; a param of the same name cannot shadow them. */
export const RESERVED_PROPERTIES = ['location', 'placement', 'source'] as const;

/**
 * The customization properties of one location under one placement. Precedence, highest first:
 * `Location.spec.params`, location annotations, location labels, the placement's customizers'
 * `spec.params` (a later customizer over an earlier one), then the built-ins, which are also always
 * reachable as `location.*`, `placement.name` and `source.commit`.
 */
export function buildProperties(
  location: Location,
  placementName: string,
  customizers: readonly Customizer[],
  sourceCommit: string,
): Properties {
  const labels = location.metadata.labels ?? {};
  const annotations = location.metadata.annotations ?? {};
  const params = location.spec?.params ?? {};
  const merged: Record<string, unknown> = {};
  for (const customizer of customizers) Object.assign(merged, customizer.spec.params ?? {});
  Object.assign(merged, labels, annotations, params);
  return {
    ...merged,
    location: { name: location.metadata.name, labels, annotations, params },
    placement: { name: placementName },
    source: { commit: sourceCommit },
  };
}

/** Looks a `%(name)` parameter up in the properties: merged names first, then dotted built-ins. */
export function lookupProperty(props: Properties, name: string): unknown {
  if (Object.prototype.hasOwnProperty.call(props, name) && !RESERVED_PROPERTIES.includes(name as never)) return props[name];
  let value: unknown = props;
  for (const part of name.split('.')) {
    if (typeof value !== 'object' || value === null || !Object.prototype.hasOwnProperty.call(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}
