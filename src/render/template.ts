/**
 * Handlebars templates for workload files (`*.yaml.hbs`) and for Customizer values, safe and strict:
 *
 * - one isolated environment (`Handlebars.create()`), compiled with `strict`, `noEscape` (the output is
 *   YAML, not HTML) and `knownHelpersOnly`; no partials, decorators, `lookup` or `log` (see templateSyntax.ts);
 * - property reads see own properties only: no prototype, constructor or inherited method is reachable;
 * - a property that is not defined is an error naming the file, line, column and the property path, never a
 *   silent blank; printing a map or list as text is an error too (use `json` or `yaml`).
 *
 * Compile once (`compileTemplate`), render for every location (`render`).
 */
import Handlebars from 'handlebars';
import { cloneJson, describeType, hasOwn, isMap, isUnsafeKey } from './jsonValue.js';
import { RenderError } from './renderError.js';
import {
  CAPTURE_HELPER,
  OUT_HELPER,
  TemplateFault,
  VALUE_HELPERS,
  BLOCK_HELPERS,
  registerHelpers,
  takeCaptured,
  type Loc,
} from './templateHelpers.js';
import { describeParseError, handlebarsLoc, isSingleExpression, prepareTemplate, stripLoc, SyntaxFault, type PathInfo, type TemplateIndex } from './templateSyntax.js';

/**
 * What templates see. The top-level names are the merged customization properties (the caller applies the
 * precedence: Location params, annotations, labels, Customizer params); `location`, `placement` and
 * `source` are the built-ins.
 */
export type Properties = {
  location: {
    name: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
    params: Record<string, unknown>;
  };
  placement: { name: string };
  source: { commit: string };
  [name: string]: unknown;
};

/** A compiled template: render it for as many property sets as needed. */
export interface CompiledTemplate {
  /** The file the template came from, as given to `compileTemplate`. */
  readonly file: string;
  /** The template's text: what its output depends on, besides the properties. */
  readonly source: string;
  /** The rendered text. Throws a `RenderError` (code `template`) for a missing property or a bad helper argument. */
  render(props: Properties): string;
}

/**
 * Compiled value templates by their text, for `renderValue`. Opaque: only `renderValue` reads and writes
 * it (entries it did not write are ignored and replaced).
 */
export type TemplateCache = Map<string, unknown>;

/** A compiled Customizer value (a string holding `{{…}}`). */
export interface ValueTemplate {
  /** The value: typed when the string is exactly one `{{expression}}`, else the rendered text. */
  evaluate(props: Properties): unknown;
}

// The compiler classes and parser state are part of the handlebars environment but not of its typings.
interface HandlebarsInternals {
  parse(text: string): hbs.AST.Program;
  Parser: { lexer?: { yylloc?: { first_line: number; first_column: number } } };
  Compiler: new () => { compile(program: hbs.AST.Program, options: object): unknown };
  JavaScriptCompiler: new () => {
    compile(environment: unknown, options: object, context: undefined, asObject: true): Record<string, unknown>;
  };
  template(spec: Record<string, unknown>): (context: unknown) => string;
}

const env = Handlebars.create();
env.unregisterHelper('lookup');
env.unregisterHelper('log');
registerHelpers(env as unknown as Parameters<typeof registerHelpers>[0]);
const internals = env as unknown as HandlebarsInternals;

const KNOWN_HELPERS: Record<string, boolean> = { lookup: false, log: false, [OUT_HELPER]: true, [CAPTURE_HELPER]: true };
for (const name of [...VALUE_HELPERS.keys(), ...BLOCK_HELPERS.keys()]) KNOWN_HELPERS[name] = true;

/**
 * Parses, checks and compiles `text`. `file` names the template in errors. Throws a `RenderError` (code
 * `template`, with line and column) for a syntax error or anything a workload template may not use.
 */
export function compileTemplate(text: string, file: string): CompiledTemplate {
  return new Template(text, file, false);
}

/**
 * Renders a Customizer value for one location: every string holding `{{` is a template; a string that is
 * exactly one `{{expression}}` keeps the expression's type (`"{{location.params.replicas}}"` gives the
 * number 2, a map stays a map). Maps and lists are rebuilt, never shared with `value` or `props`; map keys
 * are not rendered. Compiled templates are kept in `cache` (by default one shared, bounded cache), so a value
 * used for 10,000 locations is compiled once. Errors are `RenderError`s (code `template`) whose message
 * quotes the value's template; positions are inside that string, so the caller adds its own file and line.
 */
export function renderValue(value: unknown, props: Properties, cache: TemplateCache = sharedCache): unknown {
  if (typeof value === 'string') return value.includes('{{') ? valueTemplate(value, cache).evaluate(props) : value;
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = renderValue(value[i], props, cache);
    return out;
  }
  if (isMap(value)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      if (isUnsafeKey(key)) {
        throw new RenderError({ code: 'template', message: `the key ${key} is not allowed in a value`, hint: 'Kubernetes objects have no such field' });
      }
      out[key] = renderValue(value[key], props, cache);
    }
    return out;
  }
  return value;
}

/** A new, empty cache for `renderValue`, e.g. one per reconcile. */
export function createTemplateCache(): TemplateCache {
  return new Map();
}

const SHARED_CACHE_LIMIT = 10_000;
const sharedCache: TemplateCache = new Map();

function valueTemplate(text: string, cache: TemplateCache): ValueTemplate {
  const cached = cache.get(text);
  if (cached instanceof Template) return cached;
  if (cache === sharedCache && cache.size >= SHARED_CACHE_LIMIT) cache.clear();
  const compiled = new Template(text, undefined, true);
  cache.set(text, compiled);
  return compiled;
}

class Template implements CompiledTemplate, ValueTemplate {
  readonly file: string;
  readonly #source: string;

  get source(): string {
    return this.#source;
  }
  readonly #named: boolean;
  readonly #typed: boolean;
  readonly #index: TemplateIndex;
  readonly #run: (context: unknown) => string;
  /** A typed value that is one top-level path: read directly, without running the template. */
  readonly #direct: PathInfo | undefined;

  /** `file` undefined: a Customizer value, described by its text. `asValue`: may evaluate to a typed value. */
  constructor(source: string, file: string | undefined, asValue: boolean) {
    this.#source = source;
    this.file = file ?? '';
    this.#named = file !== undefined;
    let ast: hbs.AST.Program;
    try {
      ast = internals.parse(source);
    } catch (e) {
      throw this.#syntaxError(e);
    }
    this.#typed = asValue && isSingleExpression(ast);
    try {
      this.#index = prepareTemplate(ast, this.#typed);
    } catch (e) {
      if (e instanceof SyntaxFault) throw this.#error(e.message, e.hint, e.loc);
      throw e;
    }
    // Compiled eagerly (handlebars' own `compile` defers to the first render), with fresh options each time:
    // the compiler writes into them.
    const options = { strict: true, noEscape: true, knownHelpersOnly: true, data: true, knownHelpers: { ...KNOWN_HELPERS } };
    let spec: Record<string, unknown>;
    try {
      const environment = new internals.Compiler().compile(ast, options);
      spec = new internals.JavaScriptCompiler().compile(environment, options, undefined, true);
    } catch (e) {
      throw this.#syntaxError(e);
    }
    guardPropertyAccess(spec);
    this.#run = internals.template(spec);
    const single = this.#typed ? (ast.body[0] as hbs.AST.MustacheStatement) : undefined;
    const path = single && single.params[0]?.type === 'PathExpression' ? this.#index.call(CAPTURE_HELPER, single.loc)?.params[0]?.path : undefined;
    this.#direct = path?.rootParts ? path : undefined;
  }

  render(props: Properties): string {
    try {
      return this.#run(props);
    } catch (e) {
      throw this.#renderError(e, props);
    }
  }

  evaluate(props: Properties): unknown {
    if (this.#direct) {
      // Same reads as the compiled template (own properties, each step must exist), minus its per-call setup.
      let node: unknown = props;
      for (const part of this.#direct.rootParts!) {
        if (node === null || node === undefined || !hasOwn(Object(node), part)) throw this.#missing(this.#direct, props);
        node = (node as Record<string, unknown>)[part];
      }
      return cloneJson(node);
    }
    if (!this.#typed) return this.render(props);
    try {
      this.#run(props);
    } catch (e) {
      takeCaptured();
      throw this.#renderError(e, props);
    }
    return cloneJson(takeCaptured());
  }

  #renderError(e: unknown, props: Properties): RenderError {
    if (!(e instanceof TemplateFault)) {
      const loc = handlebarsLoc(e);
      return this.#error(`rendering failed: ${stripLoc(e)}`, 'check the template around this position', loc, e);
    }
    if (e.kind === 'missing-property') {
      const path = this.#index.path(e.loc);
      return path ? this.#missing(path, props) : this.#error(`property ${e.message} is not defined`, 'define the property', e.loc);
    }
    const call = this.#index.call(e.helper, e.loc);
    const param = call?.params[e.index];
    const shown = e.helper === OUT_HELPER || e.helper === CAPTURE_HELPER ? '' : `${e.helper}: `;
    switch (e.kind) {
      case 'missing-argument':
        if (param?.path) return this.#missing(param.path, props);
        return this.#error(`${shown}${param?.text ?? 'an argument'} has no value`, 'give it a value, or a fallback with (default … "value")', e.loc);
      case 'not-text': {
        const what = param?.text ?? 'the value';
        return this.#error(
          `${what} is a map or list and cannot be printed as text`,
          `use {{json ${what}}} for an inline value, {{nindent N (yaml ${what})}} for a block, or pick one of its fields`,
          param?.path?.loc ?? e.loc,
        );
      }
      default:
        return this.#error(`${e.message} (argument ${param?.text ?? e.index + 1})`, USAGE_HINT, e.loc);
    }
  }

  /** A property is not defined: say which step is missing, what is there instead, and where to define it. */
  #missing(path: PathInfo, props: Properties): RenderError {
    const parts = path.rootParts;
    if (parts === undefined) {
      const inside = path.block ? ` inside {{#${path.block}}}` : '';
      if (path.blockParam) {
        return this.#error(
          `property ${path.original} is not defined${inside}`,
          `check the field name against the elements ${path.block ? `{{#${path.block}}} iterates` : 'of the block'}, or test it first with {{#if ${path.original}}}`,
          path.loc,
        );
      }
      return this.#error(
        `property ${path.original} is not defined${inside}`,
        `inside {{#each}} and {{#with}} names are read from the current item; use @root.${path.original} for a top-level property, or {{#if ${path.original}}} to test for it`,
        path.loc,
      );
    }
    let node: unknown = props;
    let i = 0;
    for (; i < parts.length; i++) {
      if (node === null || typeof node !== 'object' || !hasOwn(node, parts[i]!)) break;
      node = (node as Record<string, unknown>)[parts[i]!];
    }
    const missing = parts.slice(0, Math.min(i + 1, parts.length)).join('.');
    const written = path.original === missing ? '' : ` (in {{${path.original}}})`;
    if (i > 0 && i < parts.length && (node === null || typeof node !== 'object')) {
      return this.#error(
        `property ${missing} is not defined: ${parts.slice(0, i).join('.')} is ${describeType(node)}${written}`,
        `use {{${parts.slice(0, i).join('.')}}} itself, or define it as a map`,
        path.loc,
      );
    }
    const defined = isMap(node) || Array.isArray(node) ? Object.keys(node).sort() : [];
    const listed = defined.length === 0 ? '' : `; defined there: ${defined.slice(0, 12).join(', ')}${defined.length > 12 ? ', …' : ''}`;
    return this.#error(
      `property ${missing} is not defined${written}`,
      `${whereToDefine(parts, i)}, or give a fallback: {{default ${missing} "…"}}${listed}`,
      path.loc,
    );
  }

  #syntaxError(e: unknown): RenderError {
    const fault = describeParseError(e, this.#source, internals.Parser.lexer?.yylloc);
    return this.#error(fault.message, fault.hint, fault.loc, e);
  }

  #error(reason: string, hint: string, loc: Loc | undefined, cause?: unknown): RenderError {
    const options = cause === undefined ? undefined : { cause };
    if (this.#named) {
      return loc
        ? new RenderError({ code: 'template', message: reason, hint, file: this.file, line: loc.start.line, col: loc.start.column + 1 }, options)
        : new RenderError({ code: 'template', message: reason, hint, file: this.file }, options);
    }
    // A Customizer value: positions are inside the value's text, not in any file.
    const text = this.#source.length > 80 ? `${this.#source.slice(0, 79)}…` : this.#source;
    const position = loc ? ` at ${loc.start.line}:${loc.start.column + 1}` : '';
    return new RenderError({ code: 'template', message: `${reason} (in ${JSON.stringify(text)}${position})`, hint }, options);
  }
}

const USAGE_HINT = 'check the helper arguments: {{indent 4 value}}, {{quote value}}, {{default value "fallback"}}';

function whereToDefine(parts: readonly string[], missingAt: number): string {
  const name = parts[missingAt] ?? '';
  if (missingAt === 0) {
    return `define ${name} in the Location's spec.params, as a Location label or annotation, or in a Customizer's spec.params`;
  }
  if (parts[0] === 'location' && missingAt === 2) {
    if (parts[1] === 'params') {
      return `define params.${name} on the Location (spec.params), or use {{${name}}}, which a label, an annotation or a Customizer's spec.params can also define`;
    }
    if (parts[1] === 'labels') return `add the label ${name} to the Location`;
    if (parts[1] === 'annotations') return `add the annotation ${name} to the Location`;
  }
  return `check the name: ${parts.slice(0, missingAt + 1).join('.')} is not a property`;
}

/**
 * Makes every property read of a compiled template own-property-only and strict reads throw a located
 * `TemplateFault`. The generated code reads through its `container` argument (`container.lookupProperty`,
 * `container.strict`), so each template function gets a view of the container with both replaced.
 */
function guardPropertyAccess(spec: Record<string, unknown>): void {
  let base: object | undefined;
  let guarded: object | undefined;
  const guard = (container: object): object => {
    if (container === guarded) return container;
    if (container !== base) {
      base = container;
      guarded = Object.create(container, {
        lookupProperty: { value: ownProperty },
        strict: { value: strictProperty },
      }) as object;
    }
    return guarded!;
  };
  for (const key of Object.keys(spec)) {
    const fn = spec[key];
    if (typeof fn !== 'function') continue;
    spec[key] = function (this: unknown, container: object, a: unknown, b: unknown, c: unknown, d: unknown, e: unknown, f: unknown) {
      return fn.call(this, guard(container), a, b, c, d, e, f);
    };
  }
}

function ownProperty(parent: unknown, name: string): unknown {
  return parent !== null && parent !== undefined && hasOwn(Object(parent), name) ? (parent as Record<string, unknown>)[name] : undefined;
}

function strictProperty(parent: unknown, name: string, loc: Loc): unknown {
  if (parent === null || parent === undefined || !hasOwn(Object(parent), name)) {
    throw new TemplateFault('missing-property', loc, '', 0, name);
  }
  return (parent as Record<string, unknown>)[name];
}
