/**
 * What a location's output is a function of, as one digest: its Location object, the placements it receives
 * (each one's placement, customizers, selected objects and templates), the consumer, the cluster-scoped kinds the
 * spec declares, and the source commit where a template or value can read it. Rendering is pure and deterministic,
 * so the same inputs give the same output: a location whose inputs digest equals the one its published output
 * records need not be rendered at all. That is what makes an unchanged location cost a hash comparison (DESIGN §8),
 * and a reconcile cost what changed rather than the fleet's size.
 *
 * Pure: data in, digest out.
 */
import { createHash } from 'node:crypto';
import type { Location } from '../api/location.js';
import type { PlacementPlan } from './placementPlan.js';

/**
 * Bumped whenever the same inputs would render differently (a change to rendering, serialization or the output
 * layout), so that locations published before the change are rendered again once. Part of every digest.
 */
export const RENDER_REVISION = 'edgeplane-render-2';

/** JSON with map keys sorted: equal data, equal text, whatever the key order. */
export function stableJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return value === undefined ? 'null' : JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i > 0 ? ',' : '') + stableJson(value[i]);
    return out + ']';
  }
  const map = value as Record<string, unknown>;
  const keys = Object.keys(map).filter((k) => map[k] !== undefined).sort();
  let out = '{';
  for (let i = 0; i < keys.length; i++) out += (i > 0 ? ',' : '') + JSON.stringify(keys[i]) + ':' + stableJson(map[keys[i]!]);
  return out + '}';
}

/**
 * The digest of everything a placement contributes at any location: the placement, its customizers in order,
 * its selected (stripped, policy-marked) objects and its templates' text. Also the source commit, when the
 * placement may read it (`mayReadSourceCommit`).
 */
export function placementInputs(plan: PlacementPlan, sourceCommit: string): string {
  const items = plan.items.map((item) =>
    item.type === 'static'
      ? { object: item.object }
      : { template: item.template.file, text: item.template.template.source, filters: item.filters ?? null },
  );
  const text = stableJson({ name: plan.name, placement: plan.placement.value, customizers: plan.customizers, items });
  const digest = createHash('sha1').update(text);
  if (mayReadSourceCommit(text)) digest.update(`\0source ${sourceCommit}`);
  return digest.digest('hex');
}

// eslint-disable-next-line no-useless-escape
const MUSTACHE = /\{\{([\s\S]*?)\}\}/g;
/** In a handlebars expression: the `source` property, or what could reach it (the whole context). */
const READS_SOURCE = /\bsource\b|\bthis\b|@root|\.\.|(^|[\s(])\.($|[\s)}])/;

/**
 * Whether anything in `text` (a placement's inputs as JSON) can read the `source.commit` property: a handlebars
 * expression that names `source` or the whole context (`this`, `@root`, `.`), or a `%(source…)` parameter.
 * Conservative: a false yes only costs renders, and words like "resources" outside expressions do not count.
 */
export function mayReadSourceCommit(text: string): boolean {
  if (/%\(\s*source\b/.test(text)) return true;
  for (const match of text.matchAll(MUSTACHE)) if (READS_SOURCE.test(match[1]!)) return true;
  return false;
}

/** What a location's render reads besides its own Location object and its placements. */
export interface FleetInputs {
  /** `placementInputs` of every placement, by name. */
  placements: ReadonlyMap<string, string>;
  /** The cluster-scoped kinds learned from CRDs, sorted (they decide which Namespaces are implied). */
  clusterScoped: readonly string[];
}

/** The inputs digest of one location, `sha1:<hex>`. */
export function locationInputs(location: Location, placements: readonly string[], consumer: string, fleet: FleetInputs): string {
  let text = `${RENDER_REVISION}\n${consumer}\n${stableJson(location)}\n${fleet.clusterScoped.join(',')}\n`;
  for (const name of placements) text += `${name} ${fleet.placements.get(name) ?? 'missing'}\n`;
  return `sha1:${createHash('sha1').update(text).digest('hex')}`;
}
