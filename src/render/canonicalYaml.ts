/**
 * edgeplane's one canonical YAML formatting for everything it writes to Git.
 *
 * A purpose-built emitter for JSON data: byte-stable (map keys sorted, except that Kubernetes' identifying
 * fields come first), readable (multi-line strings as literal blocks), and about ten times faster than a
 * general YAML library's stringify, which matters at 10,000 locations × dozens of objects.
 */

const TOP_ORDER = ['apiVersion', 'kind', 'metadata'];
const METADATA_ORDER = ['name', 'namespace', 'labels', 'annotations'];

// Written by string concatenation (V8 joins the pieces lazily), with the few decisions that recur for every
// object of every location (is this key or value a plain scalar?) cached: at 10,000 locations this emitter
// runs for hundreds of thousands of objects.

/** Containers promised never to change (`markImmutable`): their YAML is written once per place, then reused. */
const IMMUTABLE = new WeakSet<object>();
const WRITTEN = new WeakMap<object, { at: string; text: string }>();

/**
 * Promises that `value` and everything in it will never change again, so that wherever it appears inside a
 * document, its YAML can be reused instead of written again. A placement's objects are such: every location's
 * customized copy shares their unchanged parts (copyOnWrite.ts). Changing a marked object afterwards would make
 * later output wrong.
 */
export function markImmutable(value: unknown): void {
  if (typeof value !== 'object' || value === null || IMMUTABLE.has(value)) return;
  IMMUTABLE.add(value);
  if (Array.isArray(value)) for (const item of value) markImmutable(item);
  else for (const key of Object.keys(value)) markImmutable((value as Record<string, unknown>)[key]);
}

/** `write()`, or what it gave before for this immutable container in the same place (`at`). */
function reused(value: object, at: string, write: () => string): string {
  if (!IMMUTABLE.has(value)) return write();
  const known = WRITTEN.get(value);
  if (known !== undefined && known.at === at) return known.text;
  const text = write();
  WRITTEN.set(value, { at, text });
  return text;
}

function mapText(map: Record<string, unknown>, indent: string, first: readonly string[]): string {
  const at = first === METADATA_ORDER ? `${indent}m` : first === TOP_ORDER ? `${indent}t` : indent;
  return reused(map, at, () => writeMap(map, indent, first));
}

function listText(list: unknown[], indent: string, writeFirstIndent: boolean): string {
  return reused(list, `${indent}${writeFirstIndent ? 'L' : 'l'}`, () => writeList(list, indent, writeFirstIndent));
}

/** A document's canonical YAML with holes: `fragments[0]`, the first hole's value, `fragments[1]`, and so on. */
export interface YamlTemplate {
  fragments: string[];
  /** Each hole: the marker string that stood there, and the indentation a multi-line value there takes. */
  holes: { marker: string; indent: string }[];
}

/** Set while `toCanonicalYamlTemplate` runs: which strings are holes, and where they were written. */
let holes: { isMarker: (text: string) => boolean; found: YamlTemplate['holes'] } | undefined;

/**
 * `toCanonicalYaml(value)` as a template: every string value `isMarker` accepts is a hole, to be filled with
 * `scalarYaml(v, hole.indent)`, which gives the very bytes `toCanonicalYaml` would write for `v` there. Markers
 * must be plain scalars that occur nowhere else in `value` (e.g. a random token).
 */
export function toCanonicalYamlTemplate(value: unknown, isMarker: (text: string) => boolean): YamlTemplate {
  holes = { isMarker, found: [] };
  let text: string;
  let found: YamlTemplate['holes'];
  try {
    text = toCanonicalYaml(value);
  } finally {
    found = holes.found;
    holes = undefined;
  }
  const fragments: string[] = [];
  let at = 0;
  for (const hole of found) {
    const start = text.indexOf(hole.marker, at);
    fragments.push(text.slice(at, start));
    at = start + hole.marker.length;
  }
  fragments.push(text.slice(at));
  return { fragments, holes: found };
}

/**
 * How `toCanonicalYaml` writes `value` where a scalar goes, `indent` being the indentation of a literal block
 * there; undefined for a map or list that is not empty (written as a block of its own, not in a scalar's place).
 */
export function scalarYaml(value: unknown, indent: string): string | undefined {
  if (typeof value === 'object' && value !== null && !isEmptyCollection(value)) return undefined;
  return scalar(value, indent);
}

/** Serializes JSON data as one YAML document ending with a newline. */
export function toCanonicalYaml(value: unknown): string {
  if (isMap(value)) return writeMap(value, '', TOP_ORDER);
  if (Array.isArray(value)) return writeList(value, '', false);
  return scalar(value, '') + '\n';
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The keys of `map` with a value: those of `first` that it has, in that order, then the others sorted. */
function orderedKeys(map: Record<string, unknown>, first: readonly string[]): string[] {
  const keys = Object.keys(map);
  let rest: string[] = keys;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (map[key] === undefined || (first.length > 0 && first.includes(key))) {
      rest = keys.filter((k) => map[k] !== undefined && !first.includes(k));
      break;
    }
  }
  sortStrings(rest);
  if (first.length === 0 || rest.length === keys.length) return rest;
  const head: string[] = [];
  for (const key of first) if (map[key] !== undefined && Object.prototype.hasOwnProperty.call(map, key)) head.push(key);
  return head.length === 0 ? rest : head.concat(rest);
}

/** Sorts in place by UTF-16 code units; insertion sort for the few keys a Kubernetes map usually has. */
function sortStrings(list: string[]): void {
  if (list.length > 16) {
    list.sort(compareKeys);
    return;
  }
  for (let i = 1; i < list.length; i++) {
    const key = list[i]!;
    let j = i - 1;
    while (j >= 0 && list[j]! > key) {
      list[j + 1] = list[j]!;
      j--;
    }
    list[j + 1] = key;
  }
}

function isEmptyCollection(value: unknown): boolean {
  if (Array.isArray(value)) return value.length === 0;
  if (!isMap(value)) return false;
  for (const _ in value) return false;
  return Object.keys(value).length === 0;
}

/** `key: value` lines of a map at `indent`; the first line's indent is written by the caller (a list's `- `). */
function writeMap(map: Record<string, unknown>, indent: string, first: readonly string[] = NO_KEYS): string {
  const keys = orderedKeys(map, first);
  if (keys.length === 0) return '{}\n';
  let out = '';
  const inner = indent + '  ';
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (i > 0) out += indent;
    const value = map[key];
    out += scalarKey(key) + ':';
    if (typeof value === 'object' && value !== null && !isEmptyCollection(value)) {
      if (Array.isArray(value)) out += '\n' + listText(value, indent, true);
      else out += '\n' + inner + mapText(value as Record<string, unknown>, inner, key === 'metadata' && first === TOP_ORDER ? METADATA_ORDER : NO_KEYS);
    } else {
      out += ' ' + scalar(value, inner) + '\n';
    }
  }
  return out;
}

const NO_KEYS: readonly string[] = [];

function writeList(list: unknown[], indent: string, writeFirstIndent: boolean): string {
  if (list.length === 0) return '[]\n';
  let out = '';
  const inner = indent + '  ';
  for (let i = 0; i < list.length; i++) {
    const item = list[i];
    if (i > 0 || writeFirstIndent) out += indent;
    out += '- ';
    if (isMap(item) && !isEmptyCollection(item)) out += mapText(item, inner, NO_KEYS);
    else if (Array.isArray(item) && item.length > 0) out += listText(item, inner, false);
    else out += scalar(item, inner) + '\n';
  }
  return out;
}

// YAML 1.1 and 1.2 words a plain scalar must not be, or it stops being a string for some reader.
const RESERVED = new Set(['true', 'false', 'yes', 'no', 'on', 'off', 'y', 'n', 'null', '~', '']);

function scalarKey(key: string): string {
  return isPlainSafe(key) ? key : JSON.stringify(key);
}

/** `[A-Za-z0-9_./@=-]`: what a plain scalar may hold besides single inner spaces and colons. */
function isWordChar(c: number): boolean {
  return (
    (c >= 97 && c <= 122) || // a-z
    (c >= 65 && c <= 90) || // A-Z
    (c >= 45 && c <= 57) || // - . / 0-9
    c === 95 || // _
    c === 64 || // @
    c === 61 // =
  );
}

/**
 * Whether `text` can be written as a plain scalar and read back as the same string by any YAML reader:
 * `^[A-Za-z_/][A-Za-z0-9_./@=-]*(?:[ :][A-Za-z0-9_./@=-]+)*$` (so never `: ` nor a trailing space or colon),
 * and not a word YAML 1.1 or 1.2 reads as a boolean or null. A scanner rather than a regular expression: it runs
 * for every key and value of every object of every location.
 */
function isPlainSafe(text: string): boolean {
  const n = text.length;
  if (n === 0) return false;
  const first = text.charCodeAt(0);
  if (!((first >= 97 && first <= 122) || (first >= 65 && first <= 90) || first === 95 || first === 47)) return false;
  for (let i = 1; i < n; i++) {
    const c = text.charCodeAt(i);
    if (isWordChar(c)) continue;
    // A space or colon must be followed by a word character.
    if ((c === 32 || c === 58) && i + 1 < n && isWordChar(text.charCodeAt(i + 1))) {
      i++;
      continue;
    }
    return false;
  }
  return n > 5 || !RESERVED.has(text.toLowerCase());
}

function scalar(value: unknown, blockIndent: string): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return stringScalar(value, blockIndent);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : JSON.stringify(String(value));
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) return '[]';
  if (isMap(value)) return '{}';
  return JSON.stringify(String(value));
}

function stringScalar(text: string, blockIndent: string): string {
  if (holes !== undefined && holes.isMarker(text)) {
    holes.found.push({ marker: text, indent: blockIndent });
    return text;
  }
  if (isPlainSafe(text)) return text;
  if (text.includes('\n') && isBlockSafe(text)) return literalBlock(text, blockIndent);
  return JSON.stringify(text);
}

/** Literal blocks keep every character; they cannot carry control characters or a leading space. */
function isBlockSafe(text: string): boolean {
  // eslint-disable-next-line no-control-regex
  return !/[\u0000-\u0008\u000b-\u001f\u007f\u2028\u2029\ufeff]/.test(text) && !/^\n*[ \t]/.test(text);
}

function literalBlock(text: string, indent: string): string {
  const chomp = text.endsWith('\n\n') ? '+' : text.endsWith('\n') ? '' : '-';
  const body = text.endsWith('\n') ? text.slice(0, -1) : text;
  const lines = body.split('\n').map((line) => (line === '' ? '' : indent + line));
  return `|${chomp}\n${lines.join('\n')}`;
}
