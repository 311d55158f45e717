/**
 * The helpers workload templates may call, and the internal ones the template compiler inserts. Helpers
 * report bad arguments by throwing a `TemplateFault` carrying the call's source location; `template.ts`
 * turns it into a `RenderError` naming the file, line, column and the property concerned.
 */
import { stringify } from 'yaml';

/** A position in a template, as handlebars reports it (1-based line, 0-based column). */
export interface Loc {
  start: { line: number; column: number };
}

/** What went wrong while rendering, before it is described for the user. */
export type FaultKind =
  /** A property lookup found nothing (`name` is the missing segment). */
  | 'missing-property'
  /** Argument `index` of `helper` is undefined: the path given for it names no property. */
  | 'missing-argument'
  /** A map or list was to be printed as text. */
  | 'not-text'
  /** Argument `index` of `helper` has the wrong type; `message` says what was expected. */
  | 'bad-argument';

/** Thrown while rendering; located by the `loc` of the path or helper call. */
export class TemplateFault extends Error {
  constructor(
    readonly kind: FaultKind,
    readonly loc: Loc | undefined,
    readonly helper: string = '',
    readonly index: number = 0,
    message: string = kind,
  ) {
    super(message);
  }
}

/** Allowed number of positional arguments: [min, max]. */
export type Arity = readonly [number, number];

/** Helpers that produce a value: `{{quote x}}`, `(default x 1)`. */
export const VALUE_HELPERS: ReadonlyMap<string, Arity> = new Map<string, Arity>([
  ['default', [1, Infinity]],
  ['quote', [1, 1]],
  ['lower', [1, 1]],
  ['upper', [1, 1]],
  ['json', [1, 1]],
  ['yaml', [1, 1]],
  ['indent', [2, 2]],
  ['nindent', [2, 2]],
]);

/** Helpers used as blocks: `{{#if x}}…{{/if}}`. */
export const BLOCK_HELPERS: ReadonlyMap<string, Arity> = new Map<string, Arity>([
  ['if', [1, 1]],
  ['unless', [1, 1]],
  ['each', [1, 1]],
  ['with', [1, 1]],
  ['indent', [1, 1]],
]);

/** Helpers whose arguments may name missing properties (they test for presence). */
export const LENIENT_HELPERS: ReadonlySet<string> = new Set(['if', 'unless', 'default']);

/** Inserted around every `{{expression}}`: prints scalars, rejects maps, lists and missing values. */
export const OUT_HELPER = '__out';
/** Inserted around a whole-string `{{expression}}` evaluated for its typed value. */
export const CAPTURE_HELPER = '__capture';

interface Call {
  name: string;
  loc?: Loc;
  fn?: (context: unknown) => string;
}

/** The value a `__capture` call saw last. Rendering is synchronous, so one slot serves every template. */
let captured: unknown;

/** Takes the value of the last `__capture` call. */
export function takeCaptured(): unknown {
  const value = captured;
  captured = undefined;
  return value;
}

// Characters YAML does not allow unescaped in a double-quoted scalar (or that YAML 1.1 reads as line breaks).
const YAML_UNSAFE = /[\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/g;

/** A YAML double-quoted scalar (JSON's escapes are valid YAML; non-printables are escaped too). */
export function yamlQuote(text: string): string {
  const json = JSON.stringify(text);
  YAML_UNSAFE.lastIndex = 0;
  return YAML_UNSAFE.test(json)
    ? json.replace(YAML_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    : json;
}

/** Registers every helper on an isolated handlebars environment. */
export function registerHelpers(env: { registerHelper(name: string, fn: (...args: never[]) => unknown): void }): void {
  env.registerHelper(OUT_HELPER, (value: unknown, call: Call) => {
    if (value === undefined) throw new TemplateFault('missing-argument', call.loc, OUT_HELPER, 0);
    return printable(value, call, OUT_HELPER, 0);
  });
  env.registerHelper(CAPTURE_HELPER, (value: unknown, call: Call) => {
    if (value === undefined) throw new TemplateFault('missing-argument', call.loc, CAPTURE_HELPER, 0);
    captured = value;
    return '';
  });
  env.registerHelper('default', (...args: unknown[]) => {
    const call = args.pop() as Call;
    for (const value of args) if (value !== undefined && value !== null && value !== '') return value;
    const last = args[args.length - 1];
    if (last === undefined) throw new TemplateFault('missing-argument', call.loc, 'default', args.length - 1);
    return last;
  });
  env.registerHelper('quote', (value: unknown, call: Call) => yamlQuote(scalar(value, call, 'quote', 0)));
  env.registerHelper('lower', (value: unknown, call: Call) => scalar(value, call, 'lower', 0).toLowerCase());
  env.registerHelper('upper', (value: unknown, call: Call) => scalar(value, call, 'upper', 0).toUpperCase());
  env.registerHelper('json', (value: unknown, call: Call) => {
    present(value, call, 'json', 0);
    return JSON.stringify(value);
  });
  env.registerHelper('yaml', (value: unknown, call: Call) => {
    present(value, call, 'yaml', 0);
    const text = stringify(value, { lineWidth: 0 });
    return text.endsWith('\n') ? text.slice(0, -1) : text;
  });
  env.registerHelper('indent', function (this: unknown, count: unknown, value: unknown, call?: Call) {
    if (call === undefined) {
      // Block form {{#indent 4}}…{{/indent}}: the only argument is the count; the block renders in this context.
      const block = value as Call & { fn: (context: unknown) => string };
      return indentLines(block.fn(this), spaces(count, block, 'indent'));
    }
    return indentLines(text(value, call, 'indent', 1), spaces(count, call, 'indent'));
  });
  env.registerHelper('nindent', (count: unknown, value: unknown, call: Call) => {
    return '\n' + indentLines(text(value, call, 'nindent', 1), spaces(count, call, 'nindent'));
  });
}

function present(value: unknown, call: Call, helper: string, index: number): void {
  if (value === undefined) throw new TemplateFault('missing-argument', call.loc, helper, index);
}

/** A scalar argument as text. */
function scalar(value: unknown, call: Call, helper: string, index: number): string {
  present(value, call, helper, index);
  if (value === null) return '';
  if (typeof value === 'object' || typeof value === 'function') {
    throw new TemplateFault('bad-argument', call.loc, helper, index, `${helper} needs a string, number or boolean, not a ${Array.isArray(value) ? 'list' : 'map'}`);
  }
  return String(value);
}

/** Any argument as text: maps and lists become YAML flow (JSON) text. */
function text(value: unknown, call: Call, helper: string, index: number): string {
  present(value, call, helper, index);
  if (value === null) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function printable(value: unknown, call: Call, helper: string, index: number): string {
  if (value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'object' || typeof value === 'function') throw new TemplateFault('not-text', call.loc, helper, index);
  return String(value);
}

function spaces(count: unknown, call: Call, helper: string): string {
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0 || count > 100) {
    throw new TemplateFault('bad-argument', call.loc, helper, 0, `${helper} needs a number of spaces (0 to 100) first, not ${JSON.stringify(count) ?? 'undefined'}`);
  }
  return ' '.repeat(count);
}

/** Prefixes every non-empty line (so blank lines carry no trailing spaces). */
function indentLines(text: string, pad: string): string {
  if (pad.length === 0) return text;
  let out = '';
  let from = 0;
  while (from <= text.length) {
    let end = text.indexOf('\n', from);
    if (end < 0) end = text.length;
    if (end > from && !(end === from + 1 && text[from] === '\r')) out += pad;
    out += text.slice(from, end);
    if (end < text.length) out += '\n';
    from = end + 1;
  }
  return out;
}
