/**
 * Strategic-merge patches the way `kubectl patch --type strategic` applies them to built-in kinds, without
 * the OpenAPI schema: which lists merge, and by which key, comes from the field's name (`MERGE_KEYS`).
 *
 * - Maps merge recursively; a `null` value deletes the key.
 * - Lists named in `MERGE_KEYS` merge element by element on their merge key: a patch element updates the
 *   target element with the same key (merged recursively) or is appended; target order is kept.
 * - `finalizers` merges as a set of scalars. Every other list (`args`, `command`, `envFrom`, `tolerations`,
 *   lists in custom resources, ...) is replaced by the patch's list.
 * - Directives: `$patch: delete` in a list element removes the element with that key; `$patch: delete` in a
 *   map deletes the map; `$patch: replace` in a map replaces it instead of merging; an element
 *   `{$patch: replace}` in a list replaces the whole list with the other elements; `$retainKeys: [..]` drops
 *   target keys not listed; `$deleteFromPrimitiveList/<field>: [..]` removes those scalars from the list.
 *   `$setElementOrder/<field>` is accepted and ignored: merged lists keep the target's order, new elements
 *   appended in patch order.
 */
import { cloneJson, describeType, describeValue, formatJsonPath, hasOwn, isMap, isUnsafeKey, jsonEqual } from './jsonValue.js';
import { RenderError } from './renderError.js';

/**
 * List fields that merge by key (Kubernetes `patchStrategy: merge` + `patchMergeKey`), by field name
 * wherever they appear. `ports` merges by `containerPort` in containers and by `port` in Services: the key
 * is chosen from the patch's elements.
 */
export const MERGE_KEYS: ReadonlyMap<string, string> = new Map([
  ['containers', 'name'],
  ['initContainers', 'name'],
  ['ephemeralContainers', 'name'],
  ['volumes', 'name'],
  ['env', 'name'],
  ['imagePullSecrets', 'name'],
  ['resourceClaims', 'name'],
  ['schedulingGates', 'name'],
  ['secrets', 'name'],
  ['volumeMounts', 'mountPath'],
  ['volumeDevices', 'devicePath'],
  ['ports', 'containerPort'],
  ['hostAliases', 'ip'],
  ['topologySpreadConstraints', 'topologyKey'],
  ['ownerReferences', 'uid'],
  ['conditions', 'type'],
]);

/** Lists of scalars that merge as sets (`patchStrategy: merge` without a key). */
const SCALAR_SETS: ReadonlySet<string> = new Set(['finalizers']);

const DELETE_LIST_PREFIX = '$deleteFromPrimitiveList/';
const ELEMENT_ORDER_PREFIX = '$setElementOrder/';
const DELETED = Symbol('deleted');

/**
 * Merges `patch` into `target` and returns the result. `target` is mutated in place when it is a map (the
 * return value is then `target`); values from `patch` are copied, never shared. A patch that is not a map
 * replaces the target. Throws a `RenderError` (code `patch`) for a bad directive or a list element without
 * its merge key; the target is then partly merged and must be discarded.
 */
export function strategicMerge(target: unknown, patch: unknown): unknown {
  if (!isMap(patch)) return cloneJson(patch);
  const path: (string | number)[] = [];
  const result = mergeMap(isMap(target) ? target : {}, patch, path);
  if (result === DELETED) {
    throw patchError(path, '$patch: delete at the top would delete the whole object', 'put $patch: delete inside the map or list element to delete');
  }
  return result;
}

function mergeMap(target: Record<string, unknown>, patch: Record<string, unknown>, path: (string | number)[]): Record<string, unknown> | typeof DELETED {
  const directive = patch['$patch'];
  if (directive !== undefined) {
    if (directive === 'delete') return DELETED;
    if (directive === 'replace') target = {};
    else if (directive !== 'merge') {
      throw patchError(path, `unknown directive $patch: ${describeValue(directive)}`, 'use $patch: merge, replace or delete');
    }
  }
  const retain = patch['$retainKeys'];
  if (retain !== undefined) {
    if (!Array.isArray(retain)) throw patchError(path, '$retainKeys must be a list of keys', 'write $retainKeys: [type, rollingUpdate]');
    for (const key of Object.keys(target)) if (!retain.includes(key)) delete target[key];
  }
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(DELETE_LIST_PREFIX)) continue;
    const field = key.slice(DELETE_LIST_PREFIX.length);
    const drop = patch[key];
    const list = hasOwn(target, field) ? target[field] : undefined;
    if (!Array.isArray(drop)) throw patchError(path, `${key} must be a list`, `list the values to remove from ${field}`);
    if (Array.isArray(list)) target[field] = list.filter((v) => !drop.some((d) => jsonEqual(d, v)));
  }
  for (const key of Object.keys(patch)) {
    if (key === '$patch' || key === '$retainKeys' || key.startsWith(DELETE_LIST_PREFIX) || key.startsWith(ELEMENT_ORDER_PREFIX)) continue;
    if (isUnsafeKey(key)) throw patchError(path, `the key ${key} is not allowed`, 'Kubernetes objects have no such field');
    const value = patch[key];
    if (value === null) {
      delete target[key];
      continue;
    }
    path.push(key);
    const current = hasOwn(target, key) ? target[key] : undefined;
    if (isMap(value)) {
      const merged = mergeMap(isMap(current) ? current : {}, value, path);
      if (merged === DELETED) delete target[key];
      else target[key] = merged;
    } else if (Array.isArray(value)) {
      target[key] = mergeList(key, Array.isArray(current) ? current : [], value, path);
    } else {
      target[key] = value;
    }
    path.pop();
  }
  return target;
}

function mergeList(field: string, target: unknown[], patch: unknown[], path: (string | number)[]): unknown[] {
  if (patch.some((item) => isMap(item) && item['$patch'] === 'replace')) {
    return fresh(patch.filter((item) => !(isMap(item) && item['$patch'] === 'replace')), path);
  }
  const key = mergeKeyOf(field, patch);
  if (key === undefined) {
    if (!SCALAR_SETS.has(field)) return fresh(patch, path);
    for (const item of patch) if (!target.some((t) => jsonEqual(t, item))) target.push(cloneJson(item));
    return target;
  }
  for (let i = 0; i < patch.length; i++) {
    const item = patch[i];
    path.push(i);
    if (!isMap(item) || !hasOwn(item, key)) {
      throw patchError(
        path,
        isMap(item) ? `the element has no ${key}: list ${field} merges by ${key}` : `the element is ${describeType(item)}: list ${field} merges maps by ${key}`,
        `give every element of ${field} its ${key}, add an element {$patch: replace} to replace the whole list, or use a JSON patch`,
      );
    }
    const id = item[key];
    const at = target.findIndex((t) => isMap(t) && jsonEqual(t[key], id));
    if (item['$patch'] === 'delete') {
      for (let k = target.length - 1; k >= 0; k--) {
        const t = target[k];
        if (isMap(t) && jsonEqual(t[key], id)) target.splice(k, 1);
      }
    } else if (at >= 0) {
      const existing = target[at];
      const merged = mergeMap(isMap(existing) ? existing : {}, item, path);
      if (merged === DELETED) target.splice(at, 1);
      else target[at] = merged;
    } else {
      const merged = mergeMap({}, item, path);
      if (merged !== DELETED) target.push(merged);
    }
    path.pop();
  }
  return target;
}

/** The merge key of list `field`, or undefined when the list is replaced. */
function mergeKeyOf(field: string, patch: readonly unknown[]): string | undefined {
  const key = MERGE_KEYS.get(field);
  if (field === 'ports') {
    for (const item of patch) {
      if (isMap(item) && !hasOwn(item, 'containerPort') && hasOwn(item, 'port')) return 'port';
    }
  }
  return key;
}

/** A copy of a replacing list: map elements lose their nulls and directives, as when merged into nothing. */
function fresh(items: readonly unknown[], path: (string | number)[]): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (!isMap(item)) {
      out.push(cloneJson(item));
      continue;
    }
    path.push(i);
    const merged = mergeMap({}, item, path);
    path.pop();
    if (merged !== DELETED) out.push(merged);
  }
  return out;
}

function patchError(path: readonly (string | number)[], what: string, hint: string): RenderError {
  return new RenderError({ code: 'patch', message: `strategic-merge patch at ${formatJsonPath(path)}: ${what}`, hint });
}
