/**
 * The JSONPath subset of Customizer replacements: `$`, `.name`, `['name']`, `[N]` (negative counts from the
 * end), `[*]` / `.*`, and filters `[?(@.key=='value')]`, `[?(@.key==value)]`, `!=` likewise. Parse once
 * (`parseJsonPath`), then set values in many documents (`setAtJsonPath`).
 */
import { cloneJson, describeType, hasOwn, isMap, isUnsafeKey } from './jsonValue.js';
import { RenderError } from './renderError.js';

/** One step of a parsed path. `start`/`end` are offsets in the expression, for error messages. */
export type JsonPathSegment = (
  | { kind: 'name'; name: string }
  | { kind: 'index'; index: number }
  | { kind: 'wildcard' }
  | { kind: 'filter'; key: readonly string[]; op: '==' | '!='; value: string | number | boolean | null; quoted: boolean; raw: string }
) & { start: number; end: number };

/** A parsed JSONPath. */
export interface JsonPath {
  readonly expr: string;
  readonly segments: readonly JsonPathSegment[];
  /** Segments from this index on are all names: missing maps along them are created when setting. */
  readonly createFrom: number;
}

const SYNTAX_HINT =
  "write a path like $.spec.replicas, $.metadata.labels['app.kubernetes.io/name'], $.spec.containers[0].image " +
  "or $.spec.template.spec.containers[?(@.name=='app')].image";

/**
 * Parses `expr`. The leading `$` may be left out (`spec.replicas`). Throws a `RenderError` with code
 * `json-path` and the 1-based column of the offending character.
 */
export function parseJsonPath(expr: string): JsonPath {
  return new Parser(expr).parse();
}

class Parser {
  readonly #expr: string;
  #pos = 0;

  constructor(expr: string) {
    this.#expr = expr;
  }

  parse(): JsonPath {
    const expr = this.#expr;
    const segments: JsonPathSegment[] = [];
    if (expr.length === 0) this.#fail(0, 'the path is empty');
    if (expr[0] === '$') this.#pos = 1;
    else if (expr[0] !== '[' && expr[0] !== '.') segments.push(this.#name(0));
    while (this.#pos < expr.length) {
      const start = this.#pos;
      const c = expr[start];
      if (c === '.') {
        this.#pos++;
        if (expr[this.#pos] === '.') this.#fail(this.#pos, "recursive descent '..' is not supported", 'name every step of the path');
        if (expr[this.#pos] === '*') {
          this.#pos++;
          segments.push({ kind: 'wildcard', start, end: this.#pos });
        } else {
          segments.push(this.#name(start));
        }
      } else if (c === '[') {
        segments.push(this.#bracket());
      } else {
        this.#fail(start, `unexpected ${quoteChar(c)}`, "separate steps with '.' or '[...]'");
      }
    }
    let createFrom = segments.length;
    while (createFrom > 0 && segments[createFrom - 1]!.kind === 'name') createFrom--;
    return { expr, segments, createFrom };
  }

  /** `name` at the current position (after the dot, if any); `start` is where the segment began. */
  #name(start: number): JsonPathSegment {
    const expr = this.#expr;
    const from = this.#pos;
    while (this.#pos < expr.length && expr[this.#pos] !== '.' && expr[this.#pos] !== '[') {
      if (isSpecialNameChar(expr.charCodeAt(this.#pos))) {
        this.#fail(this.#pos, `unexpected ${quoteChar(expr[this.#pos]!)} in a name`, "quote names with special characters: ['my key']");
      }
      this.#pos++;
    }
    if (this.#pos === from) this.#fail(from, 'expected a name');
    const name = expr.slice(from, this.#pos);
    this.#checkKey(name, from);
    return { kind: 'name', name, start, end: this.#pos };
  }

  #bracket(): JsonPathSegment {
    const expr = this.#expr;
    const start = this.#pos;
    this.#pos++; // [
    const c = expr[this.#pos];
    let segment: JsonPathSegment;
    if (c === "'" || c === '"') {
      const at = this.#pos;
      const name = this.#quoted();
      this.#checkKey(name, at);
      segment = { kind: 'name', name, start, end: 0 };
    } else if (c === '*') {
      this.#pos++;
      segment = { kind: 'wildcard', start, end: 0 };
    } else if (c === '?') {
      segment = this.#filter(start);
    } else if (c === '-' || isDigit(expr.charCodeAt(this.#pos))) {
      segment = { kind: 'index', index: this.#integer(), start, end: 0 };
    } else {
      this.#fail(this.#pos, c === undefined ? 'unclosed [' : `unexpected ${quoteChar(c)} after [`, "inside [...] write a quoted name, an index, * or a filter ?(@.key=='value')");
    }
    this.#expect(']');
    segment.end = this.#pos;
    return segment;
  }

  #filter(start: number): JsonPathSegment {
    const expr = this.#expr;
    this.#pos++; // ?
    this.#expect('(');
    this.#skipSpaces();
    this.#expect('@');
    const key: string[] = [];
    for (;;) {
      const c = expr[this.#pos];
      if (c === '.') {
        this.#pos++;
        const from = this.#pos;
        while (this.#pos < expr.length && !isSpecialNameChar(expr.charCodeAt(this.#pos)) && expr[this.#pos] !== '.' && expr[this.#pos] !== '[' && expr[this.#pos] !== '=' && expr[this.#pos] !== '!') {
          this.#pos++;
        }
        if (this.#pos === from) this.#fail(from, 'expected a name after @.');
        key.push(expr.slice(from, this.#pos));
        this.#checkKey(key[key.length - 1]!, from);
      } else if (c === '[') {
        this.#pos++;
        const at = this.#pos;
        if (expr[at] !== "'" && expr[at] !== '"') this.#fail(at, 'expected a quoted name', "write @['my key']");
        key.push(this.#quoted());
        this.#checkKey(key[key.length - 1]!, at);
        this.#expect(']');
      } else {
        break;
      }
    }
    if (key.length === 0) this.#fail(this.#pos, 'expected .name after @', "write [?(@.name=='app')]");
    this.#skipSpaces();
    let op: '==' | '!=';
    if (expr.startsWith('==', this.#pos)) op = '==';
    else if (expr.startsWith('!=', this.#pos)) op = '!=';
    else this.#fail(this.#pos, 'expected == or !=', "filters compare one field: [?(@.name=='app')]");
    this.#pos += 2;
    this.#skipSpaces();
    let value: string | number | boolean | null;
    let quoted = false;
    let raw: string;
    const c = expr[this.#pos];
    if (c === "'" || c === '"') {
      value = raw = this.#quoted();
      quoted = true;
    } else {
      const from = this.#pos;
      while (this.#pos < expr.length && expr[this.#pos] !== ')' && expr[this.#pos] !== ']') this.#pos++;
      raw = expr.slice(from, this.#pos).trimEnd();
      if (raw.length === 0) this.#fail(from, 'expected a value to compare with', "write [?(@.name=='app')] or [?(@.port==8080)]");
      value = bareValue(raw);
    }
    this.#skipSpaces();
    this.#expect(')');
    return { kind: 'filter', key, op, value, quoted, raw, start, end: 0 };
  }

  /** A quoted string at the current position; `\` escapes the next character. */
  #quoted(): string {
    const expr = this.#expr;
    const quote = expr[this.#pos];
    const open = this.#pos;
    this.#pos++;
    let out = '';
    while (this.#pos < expr.length && expr[this.#pos] !== quote) {
      if (expr[this.#pos] === '\\' && this.#pos + 1 < expr.length) this.#pos++;
      out += expr[this.#pos];
      this.#pos++;
    }
    if (this.#pos >= expr.length) this.#fail(open, 'unterminated quoted name', `close it with ${quote}`);
    this.#pos++;
    return out;
  }

  #integer(): number {
    const expr = this.#expr;
    const from = this.#pos;
    if (expr[this.#pos] === '-') this.#pos++;
    const digits = this.#pos;
    while (isDigit(expr.charCodeAt(this.#pos))) this.#pos++;
    if (this.#pos === digits) this.#fail(this.#pos, 'expected a digit');
    return Number(expr.slice(from, this.#pos));
  }

  #expect(c: string): void {
    if (this.#expr[this.#pos] !== c) {
      const got = this.#expr[this.#pos];
      this.#fail(this.#pos, got === undefined ? `expected ${quoteChar(c)} at the end` : `expected ${quoteChar(c)}, found ${quoteChar(got)}`);
    }
    this.#pos++;
  }

  #skipSpaces(): void {
    while (this.#expr[this.#pos] === ' ') this.#pos++;
  }

  #checkKey(key: string, at: number): void {
    if (isUnsafeKey(key)) this.#fail(at, `the name ${key} is not allowed`, 'Kubernetes objects have no such field');
  }

  #fail(at: number, what: string, hint: string = SYNTAX_HINT): never {
    throw new RenderError({ code: 'json-path', message: `bad JSONPath ${JSON.stringify(this.#expr)}: ${what} at column ${at + 1}`, hint, col: at + 1 });
  }
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Characters that end or cannot appear in an unquoted name. */
function isSpecialNameChar(c: number): boolean {
  // space ! " ' ( ) * = ? ] and control characters
  return c <= 32 || c === 33 || c === 34 || c === 39 || c === 40 || c === 41 || c === 42 || c === 61 || c === 63 || c === 93;
}

function quoteChar(c: string): string {
  return c === "'" ? '"\'"' : `'${c}'`;
}

function bareValue(raw: string): string | number | boolean | null {
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  if (raw === 'null') return null;
  const n = Number(raw);
  return Number.isFinite(n) ? n : raw;
}

/** Why a path matched nothing: the first place the walk stopped. */
interface Miss {
  /** The step that could not be taken. */
  segment: number;
  /** Whether `reason` is about the value the step applies to (else about the step's own result). */
  before: boolean;
  reason: string;
  hint: string;
}

/**
 * Sets `value` at every place `path` matches in `doc`, mutating `doc`, and returns how many places were set.
 * Missing map keys are created along a trailing run of name segments (like kustomize `create: true`):
 * `$.metadata.labels.site` creates `labels` when absent, `$.spec.containers[0].image` creates nothing.
 * Every place receives its own copy of `value`: the document never shares structure with the caller's value.
 * A path that matches nothing throws a `RenderError` (code `json-path`) saying where the walk stopped.
 */
export function setAtJsonPath(doc: unknown, path: JsonPath, value: unknown): number {
  const { segments } = path;
  if (segments.length === 0) {
    throw new RenderError({
      code: 'json-path',
      message: `JSONPath ${path.expr} names the whole object, which a replacement cannot set`,
      hint: 'name a field, e.g. $.spec.replicas; to change the whole object use a strategic-merge patch',
    });
  }
  const state = { count: 0, miss: undefined as Miss | undefined };
  const assign = (container: Record<string, unknown> | unknown[], key: string | number): void => {
    (container as Record<string | number, unknown>)[key] = cloneJson(value);
    state.count++;
  };
  const miss = (segment: number, reason: string, hint: string, before = false): void => {
    state.miss ??= { segment, before, reason, hint };
  };

  const walk = (node: unknown, i: number): void => {
    const seg = segments[i]!;
    const last = i === segments.length - 1;
    const descend = (container: Record<string, unknown> | unknown[], key: string | number): void => {
      if (last) assign(container, key);
      else walk((container as Record<string | number, unknown>)[key], i + 1);
    };
    switch (seg.kind) {
      case 'name': {
        if (!isMap(node)) {
          miss(i, `is ${describeType(node)}, not a map`, 'check the path against the object', true);
          return;
        }
        if (last) {
          assign(node, seg.name);
          return;
        }
        const child = hasOwn(node, seg.name) ? node[seg.name] : undefined;
        if (child === undefined || child === null) {
          if (i + 1 >= path.createFrom) {
            node[seg.name] = {};
          } else {
            miss(i, 'does not exist', 'only map keys on the last steps of a path are created; add the missing part with a JSON patch (op: add) first, or fix the path');
            return;
          }
        }
        walk(node[seg.name], i + 1);
        return;
      }
      case 'index': {
        if (!Array.isArray(node)) {
          miss(i, `is ${describeType(node)}, not a list`, 'check the path against the object', true);
          return;
        }
        const index = seg.index < 0 ? node.length + seg.index : seg.index;
        if (index < 0 || index >= node.length) {
          miss(i, `is out of range: the list has ${node.length} element(s)`, 'indexes start at 0 and [-1] is the last element; to append use a JSON patch with path .../-');
          return;
        }
        descend(node, index);
        return;
      }
      case 'wildcard':
      case 'filter': {
        let any = false;
        if (Array.isArray(node)) {
          for (let k = 0; k < node.length; k++) {
            if (seg.kind === 'filter' && !filterMatches(seg, node[k])) continue;
            any = true;
            descend(node, k);
          }
        } else if (isMap(node)) {
          for (const key of Object.keys(node)) {
            if (seg.kind === 'filter' && !filterMatches(seg, node[key])) continue;
            any = true;
            descend(node, key);
          }
        } else {
          miss(i, `is ${describeType(node)}, not a list or map`, 'check the path against the object', true);
          return;
        }
        if (!any) {
          if (seg.kind === 'wildcard') miss(i, 'matched no element: the list or map is empty', 'check that the object has the elements the path expects');
          else miss(i, `matched no element with @.${seg.key.join('.')} ${seg.op} ${seg.quoted ? `'${seg.raw}'` : seg.raw}`, 'check the value against the object, or add the element with a JSON patch (op: add) first');
        }
        return;
      }
    }
  };

  walk(doc, 0);
  if (state.count === 0) {
    const m = state.miss!;
    const seg = segments[m.segment]!;
    const prefix = path.expr.slice(0, m.before ? seg.start : seg.end) || 'the document';
    throw new RenderError({
      code: 'json-path',
      message: `JSONPath ${path.expr} matched nothing: ${prefix} ${m.reason}`,
      hint: m.hint,
      col: seg.start + 1,
    });
  }
  return state.count;
}

function filterMatches(seg: Extract<JsonPathSegment, { kind: 'filter' }>, element: unknown): boolean {
  let actual: unknown = element;
  for (const key of seg.key) {
    if (!isMap(actual) || !hasOwn(actual, key)) {
      actual = undefined;
      break;
    }
    actual = actual[key];
  }
  if (!isMap(element)) return false;
  const equal = seg.quoted ? actual === seg.value : actual === seg.value || (typeof actual === 'string' && actual === seg.raw);
  return seg.op === '==' ? equal : !equal;
}

