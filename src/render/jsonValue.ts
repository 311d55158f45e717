/**
 * Small helpers over plain JSON-like data (what YAML documents parse to): own-property reads, copies,
 * equality and JSONPath-style formatting of locations for error messages. No prototype is ever followed.
 */

/** A non-null, non-array object. */
export function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether `key` is an own property of `value` (never an inherited one such as `constructor`). */
export function hasOwn(value: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(value, key);
}

/**
 * Keys that must never be written with `obj[key] = …`: `__proto__` would replace the object's prototype.
 * Kubernetes objects never carry it, so every primitive rejects it.
 */
export function isUnsafeKey(key: string): boolean {
  return key === '__proto__';
}

/**
 * A deep copy of JSON-like data. Scalars are returned as they are; maps and lists are copied so the result
 * can be inserted into a document and later mutated without touching the original.
 */
export function cloneJson<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = cloneJson(value[i]);
    return out as T;
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    if (isUnsafeKey(key)) continue;
    out[key] = cloneJson((value as Record<string, unknown>)[key]);
  }
  return out as T;
}

/** JSON equality: maps compare by key set regardless of order, lists element by element. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const key of keys) {
    if (!hasOwn(b, key) || !jsonEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])) {
      return false;
    }
  }
  return true;
}

/** `$.spec.containers[0].image`; keys that are not plain identifiers use `['app.kubernetes.io/name']`. */
export function formatJsonPath(segments: readonly (string | number)[]): string {
  let out = '$';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (isIdentifier(segment)) out += `.${segment}`;
    else out += `['${segment.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}']`;
  }
  return out;
}

function isIdentifier(key: string): boolean {
  if (key.length === 0) return false;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    const alpha = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36;
    const digit = c >= 48 && c <= 57;
    if (!(alpha || (digit && i > 0) || (c === 45 && i > 0))) return false;
  }
  return true;
}

/** A short JSON rendering of a value for error messages. */
export function describeValue(value: unknown, max = 60): string {
  let text: string;
  try {
    text = value === undefined ? 'undefined' : JSON.stringify(value);
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** `a string`, `a number`, `a list`, `a map`, `null`. */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  return `a ${typeof value}`;
}
