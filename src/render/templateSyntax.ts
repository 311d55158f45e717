/**
 * Checks a parsed handlebars template against what workload templates may use, and prepares it for
 * compiling. Allowed: text, comments, `{{path}}`, calls of the value helpers, and `{{#if}}`, `{{#unless}}`,
 * `{{#each}}`, `{{#with}}`, `{{#indent}}` blocks. Rejected: partials (nothing is read from disk), decorators,
 * unknown helpers (`lookup`, `log`, ...), data variables other than `@root @index @key @first @last`, and any
 * path through `constructor`, `__proto__`, `prototype` or the legacy accessor methods.
 *
 * Preparing rewrites every `{{expression}}` into `{{__out expression}}` (or `{{__capture expression}}` for a
 * typed value), so printing goes through one helper that rejects missing values and maps; marks the paths
 * that must exist as strict; and indexes every path and helper call by source position, so a failure at
 * render time can name the property as written. `describeParseError` turns parser errors into a position
 * and a message a user can act on.
 */
import { BLOCK_HELPERS, CAPTURE_HELPER, LENIENT_HELPERS, OUT_HELPER, VALUE_HELPERS, type Arity, type Loc } from './templateHelpers.js';

type Program = hbs.AST.Program;
type Expression = hbs.AST.Expression;
type PathExpression = hbs.AST.PathExpression;
type SubExpression = hbs.AST.SubExpression;
type MustacheStatement = hbs.AST.MustacheStatement;
type BlockStatement = hbs.AST.BlockStatement;

/** A path as written in the template. */
export interface PathInfo {
  original: string;
  /** The path's steps from the top-level properties, when it is read from there. */
  rootParts?: readonly string[];
  /** The innermost block that changes what names refer to (`each`, `with`), when there is one. */
  block?: string;
  /** The path starts with a block parameter (`{{#each list as |item|}}…{{item.x}}`). */
  blockParam?: boolean;
  loc: Loc;
}

/** One argument of a helper call: its text as written and, when it is a path, the path. */
export interface ParamInfo {
  text: string;
  path?: PathInfo;
}

/** A helper call (including the inserted `__out`/`__capture`). */
export interface CallInfo {
  helper: string;
  params: readonly ParamInfo[];
  loc: Loc;
}

/** Paths and calls by source position, to describe render-time failures. */
export class TemplateIndex {
  readonly #paths = new Map<string, PathInfo>();
  readonly #calls = new Map<string, CallInfo>();

  addPath(info: PathInfo): void {
    this.#paths.set(at(info.loc), info);
  }

  addCall(info: CallInfo): void {
    this.#calls.set(`${info.helper}@${at(info.loc)}`, info);
  }

  path(loc: Loc | undefined): PathInfo | undefined {
    return loc ? this.#paths.get(at(loc)) : undefined;
  }

  call(helper: string, loc: Loc | undefined): CallInfo | undefined {
    return loc ? this.#calls.get(`${helper}@${at(loc)}`) : undefined;
  }
}

function at(loc: Loc): string {
  return `${loc.start.line}:${loc.start.column}`;
}

/** The template uses something it may not; `loc` says where. */
export class SyntaxFault extends Error {
  constructor(
    message: string,
    readonly hint: string,
    readonly loc: Loc | undefined,
  ) {
    super(message);
  }
}

/** Path steps that lead to prototypes, constructors or accessor machinery. */
const FORBIDDEN_STEPS: ReadonlySet<string> = new Set([
  '__proto__',
  'constructor',
  'prototype',
  '__defineGetter__',
  '__defineSetter__',
  '__lookupGetter__',
  '__lookupSetter__',
]);

const DATA_VARIABLES: ReadonlySet<string> = new Set(['root', 'index', 'key', 'first', 'last']);

const HELPERS_HINT = `helpers: ${[...VALUE_HELPERS.keys()].join(', ')}; blocks: ${[...BLOCK_HELPERS.keys()].map((b) => `#${b}`).join(', ')}`;

/** Whether the template is exactly one `{{expression}}` (its value can keep its type). */
export function isSingleExpression(program: Program): boolean {
  return program.body.length === 1 && program.body[0]!.type === 'MustacheStatement';
}

/**
 * Validates and rewrites `program` in place (see the file comment). With `typed`, the single top-level
 * expression is captured instead of printed. Throws a `SyntaxFault` for anything not allowed.
 */
export function prepareTemplate(program: Program, typed: boolean): TemplateIndex {
  const preparer = new Preparer();
  preparer.program(program, typed ? CAPTURE_HELPER : OUT_HELPER);
  return preparer.index;
}

interface Scope {
  block: string;
  blockParams: readonly string[];
  changesContext: boolean;
}

class Preparer {
  readonly index = new TemplateIndex();
  readonly #scopes: Scope[] = [];

  program(program: Program, printer: string = OUT_HELPER): void {
    for (const statement of program.body) {
      switch (statement.type) {
        case 'ContentStatement':
        case 'CommentStatement':
          break;
        case 'MustacheStatement':
          this.#mustache(statement as MustacheStatement, printer);
          break;
        case 'BlockStatement':
          this.#block(statement as BlockStatement);
          break;
        case 'PartialStatement':
        case 'PartialBlockStatement':
          throw new SyntaxFault('partials ({{> name}}) are not supported: a template cannot include other files', 'put the content in the template itself', statement.loc);
        case 'Decorator':
        case 'DecoratorBlock':
          throw new SyntaxFault('decorators ({{* name}}) are not supported', 'remove the decorator', statement.loc);
        default:
          throw new SyntaxFault(`unsupported template syntax (${statement.type})`, HELPERS_HINT, statement.loc);
      }
    }
  }

  /** `{{x}}` → `{{__out x}}`, `{{quote x}}` → `{{__out (quote x)}}`. */
  #mustache(node: MustacheStatement, printer: string): void {
    const path = node.path;
    if (path.type !== 'PathExpression') {
      throw new SyntaxFault(`{{${describe(path)}}} prints a literal`, 'write literal text outside {{ }}', node.loc);
    }
    const pathExpr = path as PathExpression;
    const name = helperName(pathExpr);
    let inner: Expression;
    if (node.params.length > 0 || hasHash(node) || (name !== undefined && (VALUE_HELPERS.has(name) || BLOCK_HELPERS.has(name)))) {
      if (name === undefined || !VALUE_HELPERS.has(name)) {
        if (name !== undefined && BLOCK_HELPERS.has(name)) {
          throw new SyntaxFault(`${name} is a block helper`, `write {{#${name} …}}…{{/${name}}}`, node.loc);
        }
        throw new SyntaxFault(`unknown helper ${pathExpr.original}`, HELPERS_HINT, node.loc);
      }
      inner = this.#call(name, VALUE_HELPERS.get(name)!, node.params, node, node.loc);
    } else {
      this.#path(pathExpr, true);
      inner = pathExpr;
    }
    node.path = helperPath(printer, node.loc);
    node.params = [inner];
    (node as { hash?: unknown }).hash = undefined;
    this.index.addCall({ helper: printer, params: [this.#paramInfo(inner)], loc: node.loc });
  }

  #block(node: BlockStatement): void {
    const name = helperName(node.path);
    if (name === undefined || !BLOCK_HELPERS.has(name)) {
      throw new SyntaxFault(`{{#${describe(node.path)}}} is not a supported block`, HELPERS_HINT, node.loc);
    }
    const lenient = LENIENT_HELPERS.has(name) || ((name === 'each' || name === 'with') && node.inverse !== undefined && node.inverse !== null);
    this.#checkCall(name, BLOCK_HELPERS.get(name)!, node.params, node, node.loc);
    for (const param of node.params) this.#expression(param, lenient);
    this.index.addCall({ helper: name, params: node.params.map((p) => this.#paramInfo(p)), loc: node.loc });
    if (node.program) {
      this.#scopes.push({ block: name, blockParams: node.program.blockParams ?? [], changesContext: name === 'each' || name === 'with' });
      this.program(node.program);
      this.#scopes.pop();
    }
    if (node.inverse) this.program(node.inverse);
  }

  /** Validates a helper call and returns it as a sub-expression. */
  #call(name: string, arity: Arity, params: Expression[], node: { hash?: hbs.AST.Hash }, loc: Loc): SubExpression {
    this.#checkCall(name, arity, params, node, loc);
    const lenient = LENIENT_HELPERS.has(name);
    for (const param of params) this.#expression(param, lenient);
    this.index.addCall({ helper: name, params: params.map((p) => this.#paramInfo(p)), loc });
    return { type: 'SubExpression', path: helperPath(name, loc), params, loc } as unknown as SubExpression;
  }

  #checkCall(name: string, [min, max]: Arity, params: readonly Expression[], node: { hash?: hbs.AST.Hash }, loc: Loc): void {
    if (hasHash(node)) throw new SyntaxFault(`${name} takes no name=value options`, `write {{${name} value}}`, loc);
    if (params.length < min || params.length > max) {
      const wanted = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
      throw new SyntaxFault(`${name} takes ${wanted} argument(s), not ${params.length}`, USAGE[name] ?? HELPERS_HINT, loc);
    }
  }

  #expression(node: Expression, lenient: boolean): void {
    switch (node.type) {
      case 'PathExpression':
        this.#path(node as PathExpression, !lenient);
        return;
      case 'SubExpression': {
        const sub = node as SubExpression;
        const name = helperName(sub.path);
        if (name === undefined || !VALUE_HELPERS.has(name)) {
          throw new SyntaxFault(`unknown helper ${describe(sub.path)} in (…)`, HELPERS_HINT, node.loc);
        }
        this.#checkCall(name, VALUE_HELPERS.get(name)!, sub.params, sub, node.loc);
        const subLenient = LENIENT_HELPERS.has(name);
        for (const param of sub.params) this.#expression(param, subLenient);
        this.index.addCall({ helper: name, params: sub.params.map((p) => this.#paramInfo(p)), loc: node.loc });
        return;
      }
      case 'StringLiteral':
      case 'NumberLiteral':
      case 'BooleanLiteral':
      case 'NullLiteral':
      case 'UndefinedLiteral':
        return;
      default:
        throw new SyntaxFault(`unsupported expression (${node.type})`, HELPERS_HINT, node.loc);
    }
  }

  /** Checks a property path and indexes it; `strict` paths must exist when rendered. */
  #path(node: PathExpression, strict: boolean): void {
    for (const part of node.parts) {
      if (FORBIDDEN_STEPS.has(part)) {
        throw new SyntaxFault(`{{${node.original}}} reaches ${part}: templates can only read properties`, 'use property names only; prototypes and constructors are not reachable', node.loc);
      }
    }
    if (node.data && !DATA_VARIABLES.has(node.parts[0] ?? '')) {
      throw new SyntaxFault(`unknown data variable @${node.parts[0] ?? ''}`, 'available: @root, @index, @key, @first, @last', node.loc);
    }
    // Read by the handlebars compiler: a strict path throws (through container.strict) when it is missing.
    (node as { strict?: boolean }).strict = strict;
    const info: PathInfo = { original: node.original, loc: node.loc };
    const head = node.parts[0];
    const blockParamScope = !node.data && node.depth === 0 && head !== undefined ? this.#scopes.findLast((s) => s.blockParams.includes(head)) : undefined;
    const contextScope = this.#scopes.findLast((s) => s.changesContext);
    if (node.data && head === 'root') {
      info.rootParts = node.parts.slice(1);
    } else if (!node.data && node.depth === 0 && blockParamScope === undefined && contextScope === undefined) {
      info.rootParts = node.parts;
    } else {
      const scope = blockParamScope ?? contextScope;
      if (scope) info.block = scope.block;
      if (blockParamScope) info.blockParam = true;
    }
    this.index.addPath(info);
  }

  #paramInfo(node: Expression): ParamInfo {
    if (node.type === 'PathExpression') {
      const path = this.index.path(node.loc);
      return path ? { text: (node as PathExpression).original, path } : { text: (node as PathExpression).original };
    }
    return { text: describe(node) };
  }
}

const USAGE: Record<string, string> = {
  quote: 'write {{quote value}}: the value as a YAML double-quoted string',
  lower: 'write {{lower value}}',
  upper: 'write {{upper value}}',
  json: 'write {{json value}}: the value as JSON, which is also YAML flow style',
  yaml: 'write {{nindent 4 (yaml value)}}: the value as block YAML, indented',
  default: 'write {{default location.params.replicas 1}}: the first value that is set (not missing, null or empty)',
  indent: 'write {{indent 4 value}}, or {{#indent 4}}…{{/indent}} around a block',
  nindent: 'write {{nindent 4 value}}: a newline, then the value indented',
  if: 'write {{#if location.params.debug}}…{{else}}…{{/if}}',
  unless: 'write {{#unless location.params.debug}}…{{/unless}}',
  each: 'write {{#each location.params.ports}}- {{this}}{{/each}}',
  with: 'write {{#with location.params.db}}{{host}}{{/with}}',
};

/** The helper a path names: one plain step, no `this.`, `../` or `@`. */
function helperName(path: Expression): string | undefined {
  if (path.type !== 'PathExpression') return undefined;
  const p = path as PathExpression;
  return !p.data && p.depth === 0 && p.parts.length === 1 && p.original === p.parts[0] ? p.parts[0] : undefined;
}

function hasHash(node: { hash?: hbs.AST.Hash }): boolean {
  return node.hash !== undefined && node.hash !== null && node.hash.pairs.length > 0;
}

function helperPath(name: string, loc: Loc): PathExpression {
  return { type: 'PathExpression', data: false, depth: 0, parts: [name], original: name, loc } as unknown as PathExpression;
}

/** An expression as it reads in the template, for messages. */
function describe(node: Expression): string {
  switch (node.type) {
    case 'PathExpression':
      return (node as PathExpression).original;
    case 'SubExpression': {
      const sub = node as SubExpression;
      return `(${[describe(sub.path), ...sub.params.map(describe)].join(' ')})`;
    }
    case 'StringLiteral':
      return JSON.stringify((node as hbs.AST.StringLiteral).value);
    case 'NumberLiteral':
      return String((node as hbs.AST.NumberLiteral).value);
    case 'BooleanLiteral':
      return String((node as hbs.AST.BooleanLiteral).value);
    case 'NullLiteral':
      return 'null';
    case 'UndefinedLiteral':
      return 'undefined';
    default:
      return node.type;
  }
}

const SYNTAX_HINT = 'close every {{ with }} and every {{#name}} with {{/name}}; write a literal {{ as \\{{';
const PARSER_GOT = /got '([A-Z_]+)'/;
/** The parser's token names, as the user wrote them. */
const TOKENS: Record<string, string> = {
  EOF: 'end of the template',
  CLOSE: '}}',
  CLOSE_UNESCAPED: '}}}',
  CLOSE_RAW_BLOCK: '}}}}',
  OPEN: '{{',
  OPEN_BLOCK: '{{#',
  OPEN_ENDBLOCK: '{{/',
  OPEN_INVERSE: '{{^',
  OPEN_SEXPR: '(',
  CLOSE_SEXPR: ')',
  INVALID: 'character (an unclosed {{, or a character not allowed inside {{ }})',
  ID: 'name',
  SEP: 'separator',
  EQUALS: '=',
};

/**
 * Describes an error thrown by the handlebars parser or compiler. Compiler exceptions carry their position;
 * the generated parser's do not, so the lexer's last position (`lexerLoc`, 1-based line, 0-based column) is
 * used, moved back to an unclosed `{{` when that is what went wrong.
 */
export function describeParseError(e: unknown, source: string, lexerLoc: { first_line: number; first_column: number } | undefined): SyntaxFault {
  const message = e instanceof Error ? e.message : String(e);
  const loc = handlebarsLoc(e);
  if (loc) return new SyntaxFault(`template syntax: ${stripLoc(e)}`, SYNTAX_HINT, loc);
  const got = PARSER_GOT.exec(message)?.[1];
  const at: Loc | undefined = lexerLoc ? { start: { line: lexerLoc.first_line, column: lexerLoc.first_column } } : undefined;
  if (got === 'EOF' && message.includes("'OPEN_ENDBLOCK'")) {
    return new SyntaxFault('template syntax: a {{#block}} is not closed', 'close every {{#name …}} with {{/name}}', at);
  }
  // The parser stops where the text stops making sense; when that is inside an unclosed {{, point at the {{.
  const offset = at ? offsetOf(source, at) : source.length;
  let open = offset > 0 ? source.lastIndexOf('{{', offset - 1) : -1;
  while (open > 0 && source[open - 1] === '{') open--;
  const triple = source.startsWith('{{{', open);
  const close = open < 0 ? -1 : source.indexOf(triple ? '}}}' : '}}', open);
  const next = open < 0 ? -1 : source.indexOf('{{', open + (triple ? 3 : 2));
  if (open >= 0 && (close < 0 || (next >= 0 && next < close))) {
    return new SyntaxFault('template syntax: {{ is not closed', 'close it with }}; write a literal {{ as \\{{', locOf(source, open));
  }
  const token = got === undefined ? 'input' : (TOKENS[got] ?? got.toLowerCase());
  return new SyntaxFault(`template syntax: unexpected ${token}`, SYNTAX_HINT, at);
}

/** The position a handlebars `Exception` carries, if any. */
export function handlebarsLoc(e: unknown): Loc | undefined {
  const err = e as { lineNumber?: unknown; column?: unknown } | null;
  if (err && typeof err.lineNumber === 'number' && typeof err.column === 'number') {
    return { start: { line: err.lineNumber, column: err.column } };
  }
  return undefined;
}

/** A handlebars message without the ` - line:col` it appends. */
export function stripLoc(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  const cut = handlebarsLoc(e) ? message.lastIndexOf(' - ') : -1;
  return cut > 0 ? message.slice(0, cut) : message;
}

/** The offset in `source` of a handlebars position. */
function offsetOf(source: string, loc: Loc): number {
  let offset = 0;
  for (let line = 1; line < loc.start.line; line++) {
    const next = source.indexOf('\n', offset);
    if (next < 0) return source.length;
    offset = next + 1;
  }
  return Math.min(offset + loc.start.column, source.length);
}

/** The handlebars position of an offset in `source`. */
function locOf(source: string, offset: number): Loc {
  let line = 1;
  let start = 0;
  for (let i = source.indexOf('\n'); i >= 0 && i < offset; i = source.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { start: { line, column: offset - start } };
}
