/**
 * The JSON Schemas of the `edgeplane.io/v1alpha1` kinds (shipped in the package's `schemas/` folder, the same files
 * editors validate against) and the translation of ajv's raw errors into readable, sorted `SchemaIssue`s.
 *
 * Schema conventions this translation relies on (keep them when editing the schema files):
 * - `oneOf` is the whole schema of its value and every branch is a `$ref` into `$defs`, whose `title` and
 *   `examples` name the alternatives;
 * - `errorMessage` (a VS Code / yaml-language-server annotation) replaces the message of any failure in its schema;
 * - `patternErrorMessage` replaces the message of a failed `pattern`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { EdgeplaneError } from '../errors/edgeplaneError.js';

/** The kinds that have a schema: the spec-repo kinds, the `edgeplane.yaml` settings file and location reports. */
export type SchemaKind = 'Location' | 'EdgePlacement' | 'Customizer' | 'StatusCollector' | 'Settings' | 'LocationReport';

/** The schema file of each kind, in the package's `schemas/` folder (and at `SCHEMA_BASE_URL`). */
export const SCHEMA_FILES: Readonly<Record<SchemaKind, string>> = {
  Location: 'location.schema.json',
  EdgePlacement: 'edgeplacement.schema.json',
  Customizer: 'customizer.schema.json',
  StatusCollector: 'statuscollector.schema.json',
  Settings: 'settings.schema.json',
  LocationReport: 'locationreport.schema.json',
};

/** Where the schemas are published; each file's `$id` is this URL plus its file name. */
export const SCHEMA_BASE_URL = 'https://edgeplane.io/schemas/v1alpha1/';

/** One thing wrong with a document, in terms a user can act on. */
export interface SchemaIssue {
  /** JSON path segments to the offending value (or, for a missing field, to the object that lacks it). */
  path: (string | number)[];
  /** What is wrong, in plain English: "unknown field 'foo'", "must be a string". */
  message: string;
  /** How to fix it. */
  hint: string;
}

/**
 * Validates `value` against the schema of `kind`. Returns every problem, at most one per location in the
 * document, sorted by path then message; an empty list means valid. Throws `EdgeplaneError` (`NOT_FOUND`) only
 * when the installed package lacks its schema files.
 */
export function validateAgainstSchema(kind: SchemaKind, value: unknown): SchemaIssue[] {
  const { ajv, validators } = compiled();
  const validate = validators[kind];
  if (validate(value)) return [];
  const branch = (ref: string) => ajv.getSchema(SCHEMA_BASE_URL + SCHEMA_FILES[kind] + ref);
  const issues = translate(validate.errors ?? [], value, [], branch);
  return mergeByPath(issues).sort(compareIssues);
}

/**
 * The folder holding the schema files, `schemas/` at the package root. The compiled module sits at
 * `dist/src/api/` (three levels below the root); run from source (a TypeScript loader, tests), at `src/api/`.
 */
export function schemasDir(): string {
  const candidates = [new URL('../../../schemas/', import.meta.url), new URL('../../schemas/', import.meta.url)];
  for (const url of candidates) {
    const dir = fileURLToPath(url);
    if (existsSync(join(dir, SCHEMA_FILES.Location))) return dir;
  }
  const looked = candidates.map((url) => fileURLToPath(url));
  throw new EdgeplaneError('NOT_FOUND', `edgeplane's schema files are missing: looked in ${looked.join(' and ')}`, {
    files: Object.values(SCHEMA_FILES),
    looked,
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Compilation, once per process.

interface Compiled {
  ajv: Ajv2020;
  validators: Record<SchemaKind, ValidateFunction>;
}

let cache: Compiled | undefined;

function compiled(): Compiled {
  if (cache) return cache;
  // strict catches typos in the schema files. Two of its checks fight plain 2020-12: union types are how
  // `paramValue` says "any JSON value", and `if`/`then` requires fields that the `then` branch does not redeclare.
  const ajv = new Ajv2020({
    allErrors: true,
    verbose: true,
    strict: true,
    allowUnionTypes: true,
    strictRequired: false,
  });
  ajv.addVocabulary(['errorMessage', 'patternErrorMessage']);
  const dir = schemasDir();
  const validators = {} as Record<SchemaKind, ValidateFunction>;
  for (const kind of Object.keys(SCHEMA_FILES) as SchemaKind[]) {
    const schema = JSON.parse(readFileSync(join(dir, SCHEMA_FILES[kind]), 'utf8')) as Record<string, unknown>;
    validators[kind] = ajv.compile(schema);
  }
  cache = { ajv, validators };
  return cache;
}

// ---------------------------------------------------------------------------------------------------------------
// Translation of ajv errors.

type Path = (string | number)[];
type Schema = Record<string, unknown>;
type BranchValidator = (ref: string) => ValidateFunction | undefined;

/** Message prefixes that `mergeByPath` recognises: a missing field, and a bad map key. */
const MISSING = 'missing required field ';
const KEY_PREFIX = 'key ';

function translate(errors: readonly ErrorObject[], root: unknown, base: Path, branch: BranchValidator): SchemaIssue[] {
  const located = errors.map((error) => ({ error, path: [...base, ...toPath(error.instancePath, root)] }));
  // A failed oneOf says only "no branch matched"; its branches' errors are re-derived from the best branch.
  const oneOfs = located.filter((e) => e.error.keyword === 'oneOf').sort((a, b) => a.path.length - b.path.length);
  const claimed: Path[] = [];
  const issues: SchemaIssue[] = [];
  for (const { error, path } of oneOfs) {
    if (claimed.some((p) => isPrefix(p, path))) continue;
    claimed.push(path);
    issues.push(...explainOneOf(error, path, branch));
  }
  for (const { error, path } of located) {
    if (claimed.some((p) => isPrefix(p, path))) continue;
    const issue = explain(error, path);
    if (issue) issues.push(issue);
  }
  return issues;
}

/** The issue of one ajv error, or undefined for noise (`if`, `propertyNames`: their sub-errors say it better). */
function explain(error: ErrorObject, path: Path): SchemaIssue | undefined {
  if (error.propertyName !== undefined) return explainKey(error, [...path, error.propertyName]);
  const parent = (error.parentSchema ?? {}) as Schema;
  const params = error.params as Record<string, unknown>;
  const limit = String(params['limit']);
  // The schema's own `errorMessage`, where it has one, says it better than any generic message.
  const at = (message: string, hint: string, where: Path = path): SchemaIssue => ({
    path: where,
    message: typeof parent['errorMessage'] === 'string' ? parent['errorMessage'] : message,
    hint,
  });
  switch (error.keyword) {
    case 'if':
    case 'propertyNames':
      return undefined;
    case 'required': {
      const field = String(params['missingProperty']);
      const about = describe(propertySchema(parent, field));
      return at(`${MISSING}'${field}'`, `add '${field}'${about ? `: ${about}` : ''}`);
    }
    case 'additionalProperties': {
      const field = String(params['additionalProperty']);
      const allowed = Object.keys((parent['properties'] ?? {}) as Schema);
      const guess = closest(field, allowed);
      const list = allowed.length > 0 ? `allowed fields here: ${allowed.join(', ')}` : 'no fields are allowed here';
      // Located at the unknown key itself, so an editor or file:line points at the typo.
      return at(`unknown field '${field}'`, guess ? `did you mean '${guess}'? ${list}` : `remove it; ${list}`, [
        ...path,
        field,
      ]);
    }
    case 'type':
      return at(`must be ${typeNames(params['type'])}`, typeHint(params['type'], error.data));
    case 'enum': {
      const options = (params['allowedValues'] as unknown[]).map(String).join(', ');
      const guess = closest(String(error.data), (params['allowedValues'] as unknown[]).map(String));
      return at(`must be one of ${options}`, guess ? `did you mean '${guess}'?` : `use one of ${options}`);
    }
    case 'const':
      return at(`must be '${String(params['allowedValue'])}'`, `set it to ${String(params['allowedValue'])}`);
    case 'pattern': {
      const own = parent['patternErrorMessage'];
      const message = typeof own === 'string' ? own : `must match the pattern ${String(params['pattern'])}`;
      return at(message, exampleHint(parent));
    }
    case 'maxLength':
      return at(`must be at most ${limit} characters`, `shorten it; ${exampleHint(parent)}`);
    case 'minLength':
      return at('must not be empty', exampleHint(parent));
    case 'minItems':
      const message = limit === '1' ? 'must not be empty' : `must have at least ${limit} items`;
      return at(message, describe(parent) ?? 'add items');
    case 'maxItems':
      return at(`must have at most ${limit} items`, describe(parent) ?? 'remove items from the list');
    case 'false schema':
      return at('must not be set', 'remove it');
    default:
      return at(error.message ?? `is invalid (${error.keyword})`, describe(parent) ?? 'see docs/api.md');
  }
}

/** An invalid map key (`propertyNames`): the issue is located at the key/value pair. */
function explainKey(error: ErrorObject, path: Path): SchemaIssue {
  const key = String(path[path.length - 1]);
  const inner = explain({ ...error, propertyName: undefined } as ErrorObject, path);
  const message = `${KEY_PREFIX}'${key}' ${inner?.message ?? 'is not allowed'}`;
  return { path, message, hint: inner?.hint ?? 'rename the key' };
}

/**
 * Picks the branch the document most plausibly meant (the fewest missing or unknown fields at the value itself,
 * sharing at least one field with it) and reports that branch's problems; when no branch stands out, one issue
 * names the alternatives.
 */
function explainOneOf(error: ErrorObject, path: Path, branch: BranchValidator): SchemaIssue[] {
  const parent = (error.parentSchema ?? {}) as Schema;
  const data = error.data;
  const candidates: { errors: ErrorObject[]; score: number; schema: Schema }[] = [];
  for (const option of (error.schema ?? []) as Schema[]) {
    const validate = typeof option['$ref'] === 'string' ? branch(option['$ref']) : undefined;
    if (!validate) continue;
    const errors = validate(data) ? [] : [...(validate.errors ?? [])];
    candidates.push({ errors, score: shapeScore(errors), schema: validate.schema as Schema });
  }
  const forms = candidates.map(({ schema }) => `${String(schema['title'] ?? 'form')} ${exampleOf(schema)}`.trim());
  const summary: SchemaIssue = {
    path,
    message: String(parent['errorMessage'] ?? 'must match one of the allowed forms'),
    hint: `write one of: ${forms.join('; ')}`,
  };
  const best = [...candidates].sort((a, b) => a.score - b.score);
  const first = best[0];
  if (!first || first.errors.length === 0 || (best[1] && best[1].score === first.score)) return [summary];
  const fields = Object.keys((first.schema['properties'] ?? {}) as Schema);
  const shared = isObject(data) && Object.keys(data).some((k) => fields.includes(k));
  if (!Number.isFinite(first.score) || !shared) return [summary];
  return translate(first.errors, data, path, branch);
}

/** How badly a value misses a branch's shape: wrong type is hopeless; each missing or unknown field counts one. */
function shapeScore(errors: readonly ErrorObject[]): number {
  let score = 0;
  for (const e of errors) {
    if (e.instancePath !== '') continue;
    if (e.keyword === 'type') return Infinity;
    // A field required only under a condition (if/then) does not make the branch a worse fit.
    const conditional = /\/(then|else)\//.test(e.schemaPath);
    if (e.keyword === 'additionalProperties' || (e.keyword === 'required' && !conditional)) score++;
  }
  return score;
}

/** Several issues at one location become one: missing fields are listed together, other messages joined. */
function mergeByPath(issues: readonly SchemaIssue[]): SchemaIssue[] {
  const byPath = new Map<string, SchemaIssue[]>();
  for (const issue of issues) {
    const key = JSON.stringify(issue.path);
    const list = byPath.get(key) ?? [];
    if (!list.some((i) => i.message === issue.message)) list.push(issue);
    byPath.set(key, list);
  }
  const merged: SchemaIssue[] = [];
  for (const list of byPath.values()) {
    list.sort(compareIssues);
    const missing = list.flatMap((i) => (i.message.startsWith(MISSING) ? [i.message.slice(MISSING.length)] : []));
    const rest = list.filter((i) => !i.message.startsWith(MISSING));
    const parts: SchemaIssue[] = [...rest];
    if (missing.length > 1) {
      parts.unshift({
        path: list[0]!.path,
        message: `missing required fields ${missing.join(', ')}`,
        hint: `add ${missing.join(', ')}`,
      });
    } else if (missing.length === 1) {
      parts.unshift(list.find((i) => i.message.startsWith(MISSING))!);
    }
    // A key and its value share a path: once the key is blamed, say which messages are about the value.
    const aboutKey = parts.some((p) => p.message.startsWith(KEY_PREFIX));
    const label = (p: SchemaIssue) =>
      aboutKey && !p.message.startsWith(KEY_PREFIX) ? `value ${p.message}` : p.message;
    merged.push({
      path: list[0]!.path,
      message: parts.map(label).join('; '),
      hint: parts.map((p) => p.hint).join('; '),
    });
  }
  return merged;
}

// ---------------------------------------------------------------------------------------------------------------
// Small helpers.

/** JSON pointer → path segments; a segment is a number where the value at that point is an array. */
function toPath(pointer: string, root: unknown): Path {
  if (pointer === '') return [];
  const path: Path = [];
  let node: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node) && /^(0|[1-9][0-9]*)$/.test(key)) {
      path.push(Number(key));
      node = node[Number(key)];
    } else {
      path.push(key);
      node = isObject(node) ? node[key] : undefined;
    }
  }
  return path;
}

function isPrefix(prefix: Path, path: Path): boolean {
  return prefix.length <= path.length && prefix.every((segment, i) => segment === path[i]);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function propertySchema(schema: Schema, field: string): Schema | undefined {
  const properties = schema['properties'];
  return isObject(properties) && isObject(properties[field]) ? (properties[field] as Schema) : undefined;
}

/** The first sentence of a schema's description, for hints. */
function describe(schema: Schema | undefined): string | undefined {
  const text = schema?.['description'];
  if (typeof text !== 'string') return undefined;
  const end = text.search(/\.(\s|$)/);
  return end < 0 ? text : text.slice(0, end + 1);
}

function exampleHint(schema: Schema): string {
  const examples = schema['examples'];
  if (Array.isArray(examples) && examples.length > 0) {
    return `for example: ${examples.map((e) => `'${String(e)}'`).join(', ')}`;
  }
  return describe(schema) ?? 'see docs/api.md';
}

function exampleOf(schema: Schema): string {
  const examples = schema['examples'];
  return Array.isArray(examples) && examples.length > 0 ? JSON.stringify(examples[0]) : '';
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'a whole number',
  boolean: 'true or false',
  object: 'a map of fields',
  array: 'a list',
  null: 'null',
};

function typeNames(type: unknown): string {
  const types = (Array.isArray(type) ? type : String(type).split(',')).map(String);
  return types.map((t) => TYPE_NAMES[t] ?? t).join(' or ');
}

function typeHint(type: unknown, data: unknown): string {
  const types = Array.isArray(type) ? type.map(String) : String(type).split(',');
  if (types.includes('string') && (typeof data === 'number' || typeof data === 'boolean')) {
    return `quote it: "${String(data)}"`;
  }
  if (types.includes('array')) return 'write a YAML list: one "- item" per line, or [a, b]';
  if (types.includes('object')) return 'write a YAML map: "key: value" lines, or {key: value}';
  return `write ${typeNames(type)}`;
}

/** The candidate a typo most plausibly meant: the same word in other case, or a few edits away. */
function closest(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  const exact = candidates.find((c) => c.toLowerCase() === lower);
  if (exact) return exact;
  // Short words are a couple of edits away from anything: allow fewer edits the shorter the word.
  let best: string | undefined;
  let bestDistance = Math.min(3, Math.ceil(word.length / 3));
  for (const candidate of candidates) {
    const d = editDistance(lower, candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** By path (array indices numerically, keys by code unit), then by message: stable output. */
function compareIssues(a: SchemaIssue, b: SchemaIssue): number {
  const n = Math.min(a.path.length, b.path.length);
  for (let i = 0; i < n; i++) {
    const x = a.path[i]!;
    const y = b.path[i]!;
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    if (typeof x !== typeof y) return typeof x === 'number' ? -1 : 1;
    return String(x) < String(y) ? -1 : 1;
  }
  return a.path.length - b.path.length || (a.message < b.message ? -1 : a.message > b.message ? 1 : 0);
}
