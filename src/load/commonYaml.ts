/**
 * A fast parser for the YAML that specs are usually written in: block maps and sequences, one-line flow
 * collections, plain and quoted one-line scalars, literal block scalars, comments, `---` between documents.
 * Anything else (anchors, aliases, tags, folded or multi-line scalars, complex keys, tabs, directives, duplicate
 * keys, syntax errors) makes it give up and return undefined: the caller then parses with `yaml`, which reads all
 * of YAML and reports errors with their positions.
 *
 * Why: a 10,000-location inventory is ~70,000 lines; `yaml`'s parseAllDocuments + toJS took ~2.5 s for it, this
 * takes a few percent of that, and spec loading is a fixed cost of every reconcile, including one with nothing to
 * do. Values are what `yaml` gives (YAML 1.2 core schema, `toJS()`), which commonYaml.test.ts checks against
 * `yaml` itself on every kind of input the subset accepts.
 */

/** One document of the subset: its value and where its content starts (1-based, as `yaml`'s LineCounter says). */
export interface CommonDocument {
  value: unknown;
  line: number;
  col: number;
}

/** Thrown inside the parser when the input leaves the subset; never escapes `parseCommonYaml`. */
const OUTSIDE = Symbol('outside the common subset');

/**
 * The documents of `text` as `yaml` sees them (content before the first `---` is a document only when it has
 * content), or undefined when `text` is not in the subset.
 */
export function parseCommonYaml(text: string): CommonDocument[] | undefined {
  // Tabs, carriage returns, control characters and byte-order marks are legal in places and not in others: `yaml`.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0009\u000b-\u001f\u007f\u0085\u2028\u2029\ufeff]/.test(text)) return undefined;
  try {
    return new Parser(text).documents();
  } catch (error) {
    if (error === OUTSIDE) return undefined;
    throw error;
  }
}

function outside(): never {
  throw OUTSIDE;
}

/** Characters a plain scalar may not start with (YAML 1.2 c-indicator), bar `-`, `?` and `:` handled apart. */
const INDICATORS = new Set([',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', "'", '"', '%', '@', '`']);

class Parser {
  private readonly lines: string[];
  /** The current line. */
  private i = 0;
  /** End (exclusive) of the current document's lines. */
  private end = 0;
  private readonly finalNewline: boolean;

  constructor(text: string) {
    this.finalNewline = text.endsWith('\n');
    this.lines = text.split('\n');
    // A final newline leaves an empty last element: not a line.
    if (this.lines.length > 0 && this.lines[this.lines.length - 1] === '') this.lines.pop();
  }

  documents(): CommonDocument[] {
    const docs: CommonDocument[] = [];
    const { lines } = this;
    let start = 0;
    for (let n = 0; n <= lines.length; n++) {
      const line = n < lines.length ? lines[n]! : undefined;
      if (line !== undefined && !line.startsWith('---') && !line.startsWith('...') && !line.startsWith('%')) continue;
      if (line !== undefined && line !== '---') outside();
      this.i = start;
      this.end = n;
      this.skipBlank();
      // A document opened by `---` is one even when empty (`yaml` gives it a null value where the marker ends);
      // text before the first marker is a document only when it has content.
      const marker = start > 0 ? start - 1 : -1;
      if (this.i >= this.end && marker >= 0) docs.push({ value: null, line: marker + 1, col: 4 });
      if (this.i < this.end) {
        const first = this.i;
        const col = indentOf(lines[first]!);
        const value = this.node(-1);
        this.skipBlank();
        if (this.i < this.end) outside();
        docs.push({ value, line: first + 1, col: col + 1 });
      }
      start = n + 1;
    }
    return docs;
  }

  /** Moves past lines that are empty, spaces only, or comments. */
  private skipBlank(): void {
    while (this.i < this.end && isBlank(this.lines[this.i]!)) this.i++;
  }

  /** The node starting on the current (content) line, indented more than `parent`. */
  private node(parent: number): unknown {
    const line = this.lines[this.i]!;
    const col = indentOf(line);
    if (col <= parent) outside();
    if (isSequenceEntry(line, col)) return this.sequence(col);
    if (keyEnd(line, col) >= 0) return this.map(col, col);
    // A scalar or flow collection alone on its line(s): only as a whole document.
    if (parent >= 0) outside();
    const { value, end } = inlineValue(line, col);
    if (!restIsBlank(line, end)) outside();
    this.i++;
    return value;
  }

  /**
   * A block map whose keys sit at column `col`; its first key is at `first` on the current line (further right
   * than `col` only never: `first === col`, kept apart for the compact `- key: value` form, where it is).
   */
  private map(col: number, first: number): Record<string, unknown> {
    const map: Record<string, unknown> = {};
    let at = first;
    for (;;) {
      const line = this.lines[this.i]!;
      const colon = keyEnd(line, at);
      if (colon < 0) outside();
      const key = keyText(line, at, colon);
      if (Object.prototype.hasOwnProperty.call(map, key)) outside();
      map[key] = this.mapValue(line, colon + 1, col);
      this.skipBlank();
      if (this.i >= this.end) break;
      const next = this.lines[this.i]!;
      const indent = indentOf(next);
      if (indent < col) break;
      if (indent > col || isSequenceEntry(next, indent)) outside();
      at = col;
    }
    return map;
  }

  /** The value after `key:` (at `from` on the current line) of a map at column `col`; moves past it. */
  private mapValue(line: string, from: number, col: number): unknown {
    const p = skipSpaces(line, from);
    if (p >= line.length || line[p] === '#') {
      this.i++;
      this.skipBlank();
      if (this.i >= this.end) return null;
      const next = this.lines[this.i]!;
      const indent = indentOf(next);
      if (indent > col) return this.node(col);
      if (indent === col && isSequenceEntry(next, col)) return this.sequence(col);
      return null;
    }
    if (line[p] === '|') return this.literal(line, p, col);
    const { value, end } = inlineValue(line, p);
    if (!restIsBlank(line, end)) outside();
    this.i++;
    this.noContinuation(col);
    return value;
  }

  /** A block sequence whose `-` sit at column `col`. */
  private sequence(col: number): unknown[] {
    const list: unknown[] = [];
    for (;;) {
      const line = this.lines[this.i]!;
      const p = skipSpaces(line, col + 1);
      if (p >= line.length || line[p] === '#') {
        this.i++;
        this.skipBlank();
        list.push(this.i < this.end && indentOf(this.lines[this.i]!) > col ? this.node(col) : null);
      } else if (isSequenceEntry(line, p) || line[p] === '|' || line[p] === '>' || line[p] === '?') {
        outside();
      } else if (keyEnd(line, p) >= 0) {
        list.push(this.map(p, p));
      } else {
        const { value, end } = inlineValue(line, p);
        if (!restIsBlank(line, end)) outside();
        this.i++;
        this.noContinuation(col);
        list.push(value);
      }
      this.skipBlank();
      if (this.i >= this.end) break;
      const next = this.lines[this.i]!;
      const indent = indentOf(next);
      if (indent < col) break;
      if (indent > col) outside();
      if (!isSequenceEntry(next, col)) break;
    }
    return list;
  }

  /** After a one-line value, a more-indented line would continue it (a multi-line scalar) or be an error. */
  private noContinuation(col: number): void {
    this.skipBlank();
    if (this.i < this.end && indentOf(this.lines[this.i]!) > col) outside();
  }

  /** A literal block scalar (`|`, `|-`) whose header is at `p` of the current line, in a map at column `col`. */
  private literal(line: string, p: number, col: number): string {
    let q = p + 1;
    let strip = false;
    if (line[q] === '-') {
      strip = true;
      q++;
    }
    // Keep (`|+`), explicit indentation and anything else in the header: `yaml`.
    if (!restIsBlank(line, q) || (q < line.length && line[q] !== ' ')) outside();
    this.i++;
    const content: string[] = [];
    let indent = -1;
    let lastText = -1;
    while (this.i < this.end) {
      const text = this.lines[this.i]!;
      const spaces = indentOf(text);
      if (spaces === text.length) {
        // Spaces only: an empty line, unless it reaches past the block's indentation.
        if (indent < 0) {
          if (spaces > 0) outside();
          content.push('');
        } else if (spaces > indent) {
          content.push(text.slice(indent));
          lastText = content.length - 1;
        } else {
          content.push('');
        }
        this.i++;
        continue;
      }
      if (indent < 0) {
        if (spaces <= col) break;
        indent = spaces;
      } else if (spaces < indent) {
        break;
      }
      content.push(text.slice(indent));
      lastText = content.length - 1;
      this.i++;
    }
    // An empty block, or one ending the file without a final newline: `yaml` knows the exact rules.
    if (lastText < 0 || (this.i >= this.lines.length && !this.finalNewline)) outside();
    const body = content.slice(0, lastText + 1).join('\n');
    // Rewind over the blank lines after the block: they belong to whatever follows.
    this.i -= content.length - 1 - lastText;
    return strip ? body : `${body}\n`;
  }

}

function indentOf(line: string): number {
  let n = 0;
  while (n < line.length && line.charCodeAt(n) === 32) n++;
  return n;
}

function skipSpaces(line: string, from: number): number {
  let p = from;
  while (p < line.length && line.charCodeAt(p) === 32) p++;
  return p;
}

function isBlank(line: string): boolean {
  const p = indentOf(line);
  return p === line.length || line[p] === '#';
}

/** Nothing but spaces and a comment from `from` on. A comment needs a space before it, unless at the start. */
function restIsBlank(line: string, from: number): boolean {
  const p = skipSpaces(line, from);
  return p === line.length || (line[p] === '#' && (p === 0 || line[p - 1] === ' '));
}

function isSequenceEntry(line: string, col: number): boolean {
  return line[col] === '-' && (col + 1 === line.length || line[col + 1] === ' ');
}

/**
 * The index of the `:` that ends a map key starting at `at`, or -1 when the line has no `key:` there. Quoted keys
 * and plain keys that are strings only; a plain key that would read as a number, boolean or null is left to `yaml`.
 */
function keyEnd(line: string, at: number): number {
  const c = line[at];
  if (c === '"' || c === "'") {
    const { end } = quoted(line, at);
    return line[end] === ':' && (end + 1 === line.length || line[end + 1] === ' ') ? end : -1;
  }
  if (c === undefined || c === '[' || c === '{' || INDICATORS.has(c)) return -1;
  for (let j = at; j < line.length; j++) {
    const ch = line[j];
    if (ch === ':' && (j + 1 === line.length || line[j + 1] === ' ')) return j;
    if (ch === '#' && line[j - 1] === ' ') return -1;
  }
  return -1;
}

/** The key text between `at` and the colon found by `keyEnd`. */
function keyText(line: string, at: number, colon: number): string {
  const c = line[at];
  if (c === '"' || c === "'") return quoted(line, at).value;
  const key = line.slice(at, colon);
  const first = key[0]!;
  if ((first === '-' || first === '?' || first === ':') && (key.length === 1 || key[1] === ' ')) outside();
  if (key.endsWith(' ') || key === '<<' || key === '__proto__' || typeof resolvePlain(key) !== 'string') outside();
  return key;
}

/** A quoted scalar starting at `at` (a `"` or `'`), on one line. */
function quoted(line: string, at: number): { value: string; end: number } {
  const mark = line[at];
  let value = '';
  let p = at + 1;
  if (mark === "'") {
    for (;;) {
      const close = line.indexOf("'", p);
      if (close < 0) outside();
      value += line.slice(p, close);
      if (line[close + 1] === "'") {
        value += "'";
        p = close + 2;
        continue;
      }
      return { value, end: close + 1 };
    }
  }
  for (;;) {
    let q = p;
    while (q < line.length && line[q] !== '"' && line[q] !== '\\') q++;
    if (q >= line.length) outside();
    value += line.slice(p, q);
    if (line[q] === '"') return { value, end: q + 1 };
    const escape = line[q + 1];
    p = q + 2;
    switch (escape) {
      case '\\':
      case '"':
      case '/':
        value += escape;
        break;
      case 'n':
        value += '\n';
        break;
      case 't':
        value += '\t';
        break;
      case 'r':
        value += '\r';
        break;
      case '0':
        value += '\0';
        break;
      case 'x':
      case 'u': {
        const digits = escape === 'x' ? 2 : 4;
        const hex = line.slice(p, p + digits);
        if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== digits) outside();
        value += String.fromCharCode(parseInt(hex, 16));
        p += digits;
        break;
      }
      default:
        outside();
    }
  }
}

/** A value that starts at `at` and ends on the same line: quoted, flow collection or plain scalar. */
function inlineValue(line: string, at: number): { value: unknown; end: number } {
  const c = line[at];
  if (c === '"' || c === "'") return quoted(line, at);
  if (c === '[' || c === '{') return flow(line, at);
  // Block context: the scalar runs to a comment or the end of the line.
  let end = line.length;
  for (let j = at; j < line.length; j++) {
    if (line[j] === '#' && line[j - 1] === ' ') {
      end = j;
      break;
    }
  }
  const text = line.slice(at, end).trimEnd();
  checkPlain(text);
  if (text.includes(': ') || text.endsWith(':')) outside();
  return { value: resolvePlain(text), end };
}

/** A plain scalar's first character must not be an indicator (YAML 1.2 ns-plain-first). */
function checkPlain(text: string): void {
  if (text === '') outside();
  const first = text[0]!;
  if (INDICATORS.has(first)) outside();
  if ((first === '-' || first === '?' || first === ':') && (text.length === 1 || text[1] === ' ')) outside();
}

/** A flow collection (`[…]` or `{…}`) that starts at `at` and closes on the same line. */
function flow(line: string, at: number): { value: unknown; end: number } {
  const open = line[at];
  const close = open === '[' ? ']' : '}';
  const list: unknown[] = [];
  const map: Record<string, unknown> = {};
  let p = skipSpaces(line, at + 1);
  if (line[p] === close) return { value: open === '[' ? list : map, end: p + 1 };
  for (;;) {
    if (open === '[') {
      const item = flowNode(line, p);
      // `[a: b]` is a one-pair map inside the list: `yaml`.
      if (line[skipSpaces(line, item.end)] === ':') outside();
      list.push(item.value);
      p = item.end;
    } else {
      const c = line[p];
      let key: string;
      if (c === '"' || c === "'") {
        const k = quoted(line, p);
        key = k.value;
        p = k.end;
      } else {
        const k = flowPlain(line, p);
        key = k.text;
        if (key === '<<' || key === '__proto__' || typeof resolvePlain(key) !== 'string') outside();
        p = k.end;
      }
      if (line[p] !== ':' || line[p + 1] !== ' ') outside();
      if (Object.prototype.hasOwnProperty.call(map, key)) outside();
      const item = flowNode(line, skipSpaces(line, p + 1));
      map[key] = item.value;
      p = item.end;
    }
    p = skipSpaces(line, p);
    if (line[p] === close) return { value: open === '[' ? list : map, end: p + 1 };
    if (line[p] !== ',') outside();
    p = skipSpaces(line, p + 1);
    // A trailing comma, or a line break inside the collection: `yaml`.
    if (line[p] === close || p >= line.length) outside();
  }
}

function flowNode(line: string, at: number): { value: unknown; end: number } {
  const c = line[at];
  if (c === '"' || c === "'") return quoted(line, at);
  if (c === '[' || c === '{') return flow(line, at);
  const { text, end } = flowPlain(line, at);
  return { value: resolvePlain(text), end };
}

/** A plain scalar inside a flow collection: it ends at `,`, a bracket, `: ` or a comment. */
function flowPlain(line: string, at: number): { text: string; end: number } {
  let j = at;
  for (; j < line.length; j++) {
    const ch = line[j];
    if (ch === ',' || ch === '[' || ch === ']' || ch === '{' || ch === '}') break;
    if (ch === ':' && (line[j + 1] === ' ' || line[j + 1] === ',' || line[j + 1] === ']' || line[j + 1] === '}' || j + 1 === line.length)) break;
    if (ch === '#' && line[j - 1] === ' ') outside();
  }
  if (j >= line.length) outside();
  const text = line.slice(at, j).trimEnd();
  checkPlain(text);
  return { text, end: at + line.slice(at, j).trimEnd().length };
}

const NULL = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INT_OCT = /^0o[0-7]+$/;
const INT = /^[-+]?[0-9]+$/;
const INT_HEX = /^0x[0-9a-fA-F]+$/;
const FLOAT_NAN = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT_EXP = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;
/** Plain scalars that may be something other than a string start with one of these. */
const MAYBE_TYPED = /^[-+.~0-9nNtTfF]/;

/** A plain scalar's value under the YAML 1.2 core schema, tested in `yaml`'s order with its regular expressions. */
export function resolvePlain(text: string): unknown {
  if (text === '') return null;
  if (!MAYBE_TYPED.test(text)) return text;
  if (NULL.test(text)) return null;
  if (BOOL.test(text)) return text[0] === 't' || text[0] === 'T';
  if (INT_OCT.test(text)) return parseInt(text.substring(2), 8);
  if (INT.test(text)) return parseInt(text, 10);
  if (INT_HEX.test(text)) return parseInt(text.substring(2), 16);
  if (FLOAT_NAN.test(text)) return text.slice(-3).toLowerCase() === 'nan' ? NaN : text[0] === '-' ? -Infinity : Infinity;
  if (FLOAT_EXP.test(text) || FLOAT.test(text)) return parseFloat(text);
  return text;
}
