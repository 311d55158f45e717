/**
 * Checks HTTP requests and responses against GitHub's official OpenAPI description (npm `@octokit/openapi`,
 * `api.github.com.json`, OpenAPI 3.0). The description is loaded once per process; each operation's validators are
 * compiled with ajv on first use.
 *
 * OpenAPI 3.0 schemas are not quite JSON Schema: `nullable: true` is turned into a `null` type (or an `anyOf` with
 * `{type: null}` where there is no `type`), and `#/components/...` references are made absolute so ajv resolves them
 * inside the one document. Formats GitHub's description uses are all known to ajv here: `date-time` and `uri` are
 * really checked (they are what a fake server gets wrong), the others are accepted as they come.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

/** The `$id` the converted components are registered under. */
const DOCUMENT_ID = 'https://api.github.com/openapi.json';

/** An operation a request matched, with its path parameters (decoded). */
export interface MatchedOperation {
  operationId: string;
  method: string;
  /** e.g. `/repos/{owner}/{repo}/pulls/{pull_number}`. */
  template: string;
  pathParams: Record<string, string>;
}

/** Why a request matched no operation. */
export interface NoOperation {
  error: string;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: JsonObject;
}

interface Route {
  template: string;
  pattern: RegExp;
  names: string[];
  /** Literal segments count first: `/pulls/comments` beats `/pulls/{pull_number}`. */
  literals: number;
  operations: Map<string, JsonObject>;
}

/** GitHub's REST API description, for checking traffic. */
export class OpenApiValidator {
  readonly #document: JsonObject;
  readonly #routes: Route[];
  readonly #strictAjv: Ajv;
  readonly #coercingAjv: Ajv;
  readonly #compiled = new Map<string, ValidateFunction>();

  private constructor(document: JsonObject) {
    this.#document = document;
    this.#routes = routesOf(document);
    const components = document.components as JsonObject;
    const schemas = Object.fromEntries(
      Object.entries(components.schemas as JsonObject).map(([name, schema]) => [name, toJsonSchema(schema)]),
    );
    const formats = formatsIn(document);
    const makeAjv = (coerceTypes: boolean): Ajv => {
      const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false, coerceTypes, logger: false });
      for (const format of formats) ajv.addFormat(format, true);
      ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/);
      ajv.addFormat('uri', /^[a-z][a-z0-9+.-]*:[^\s]+$/i);
      ajv.addSchema({ $id: DOCUMENT_ID, components: { schemas } });
      return ajv;
    };
    this.#strictAjv = makeAjv(false);
    this.#coercingAjv = makeAjv(true);
  }

  /** The shared validator (loads and indexes the 13 MB description on first call). */
  static load(): Promise<OpenApiValidator> {
    loaded ??= (async () => {
      const file = createRequire(import.meta.url).resolve('@octokit/openapi/generated/api.github.com.json');
      return new OpenApiValidator(JSON.parse(await readFile(file, 'utf8')) as JsonObject);
    })();
    return loaded;
  }

  /** The description's version, e.g. for messages. */
  get version(): string {
    return String((this.#document.info as JsonObject).version);
  }

  /** The operation `method path` is, or why it is none. `path` is the API path, without any mount prefix. */
  match(method: string, path: string): MatchedOperation | NoOperation {
    const candidates = this.#routes.filter((route) => route.pattern.test(path));
    if (candidates.length === 0) return { error: `no path of GitHub's REST API matches ${path}` };
    const verb = method.toLowerCase();
    const route = candidates.find((candidate) => candidate.operations.has(verb));
    if (route === undefined) {
      const allowed = [...new Set(candidates.flatMap((c) => [...c.operations.keys()]))].map((m) => m.toUpperCase());
      return { error: `${method} is not an operation of ${candidates[0]!.template} (it has ${allowed.join(', ')})` };
    }
    const values = route.pattern.exec(path)!.slice(1);
    const pathParams: Record<string, string> = {};
    route.names.forEach((name, i) => (pathParams[name] = safeDecode(values[i]!)));
    const operation = route.operations.get(verb)!;
    return { operationId: String(operation.operationId), method: verb.toUpperCase(), template: route.template, pathParams };
  }

  /**
   * Every way the request breaks the operation's description: path and query parameters (types, enums, required,
   * unknown names) and the JSON body. `body` is the parsed JSON, or undefined when the request had none.
   */
  checkRequest(operation: MatchedOperation, query: URLSearchParams, body: unknown, hasBody: boolean): string[] {
    const op = this.#operation(operation);
    const problems: string[] = [];
    const parameters = this.#parameters(operation);
    for (const parameter of parameters) {
      if (parameter.in === 'path') {
        problems.push(...this.#checkParameter(operation, parameter, operation.pathParams[parameter.name]));
      } else if (parameter.in === 'query') {
        const values = query.getAll(parameter.name);
        if (values.length === 0) {
          if (parameter.required === true) problems.push(`query parameter ${parameter.name} is required`);
          continue;
        }
        const value = parameter.schema?.type === 'array' ? values : values.length === 1 ? values[0] : values;
        problems.push(...this.#checkParameter(operation, parameter, value));
      }
    }
    const known = new Set(parameters.filter((p) => p.in === 'query').map((p) => p.name));
    for (const name of new Set(query.keys())) {
      if (!known.has(name)) problems.push(`query parameter ${name} is not one of ${operation.operationId}'s (${[...known].join(', ') || 'none'})`);
    }
    const requestBody = this.#resolve(op.requestBody) as JsonObject | undefined;
    if (requestBody === undefined) {
      if (hasBody) problems.push(`${operation.operationId} takes no request body`);
    } else if (!hasBody) {
      if (requestBody.required === true) problems.push('the request body is required');
    } else {
      const schema = ((requestBody.content as JsonObject | undefined)?.['application/json'] as JsonObject | undefined)?.schema;
      if (schema === undefined) problems.push(`${operation.operationId} takes no JSON body`);
      else problems.push(...this.#check(`${operation.operationId} request`, schema as JsonObject, body, 'body', false));
    }
    return problems;
  }

  /**
   * Every way a response breaks the description. A status the operation does not document is accepted (GitHub
   * answers 401 everywhere without documenting it); a documented one must carry a body of its schema, or none.
   */
  checkResponse(operation: MatchedOperation, status: number, body: unknown, hasBody: boolean): string[] {
    const responses = this.#operation(operation).responses as JsonObject;
    const documented = this.#resolve(responses[String(status)]) as JsonObject | undefined;
    if (documented === undefined) return [];
    const schema = ((documented.content as JsonObject | undefined)?.['application/json'] as JsonObject | undefined)?.schema;
    if (schema === undefined) return hasBody ? [`a ${status} answer of ${operation.operationId} has no body`] : [];
    if (!hasBody) return [`a ${status} answer of ${operation.operationId} needs a JSON body`];
    return this.#check(`${operation.operationId} ${status}`, schema as JsonObject, body, 'response', false);
  }

  /**
   * What the description documents for an operation's inputs: path and query parameters with their schemas, and
   * the JSON body's top-level properties and required names (undefined when it takes no JSON body). For checking a
   * hand-written route table against the description.
   */
  inputsOf(operation: MatchedOperation): {
    path: Record<string, JsonObject>;
    query: Record<string, JsonObject>;
    body: { properties: Record<string, JsonObject>; required: string[] } | undefined;
  } {
    const parameters = this.#parameters(operation);
    const schemas = (where: Parameter['in']): Record<string, JsonObject> =>
      Object.fromEntries(parameters.filter((p) => p.in === where).map((p) => [p.name, (this.#resolve(p.schema) ?? {}) as JsonObject]));
    const requestBody = this.#resolve(this.#operation(operation).requestBody) as JsonObject | undefined;
    const schema = this.#resolve(((requestBody?.content as JsonObject | undefined)?.['application/json'] as JsonObject | undefined)?.schema) as JsonObject | undefined;
    const properties = (schema?.properties ?? {}) as JsonObject;
    return {
      path: schemas('path'),
      query: schemas('query'),
      body:
        schema === undefined
          ? undefined
          : {
              properties: Object.fromEntries(Object.entries(properties).map(([name, value]) => [name, (this.#resolve(value) ?? {}) as JsonObject])),
              required: ((schema.required as Json[] | undefined) ?? []).map(String),
            },
    };
  }

  #operation(operation: MatchedOperation): JsonObject {
    const route = this.#routes.find((r) => r.template === operation.template)!;
    return route.operations.get(operation.method.toLowerCase())!;
  }

  #parameters(operation: MatchedOperation): Parameter[] {
    const pathItem = (this.#document.paths as JsonObject)[operation.template] as JsonObject;
    const list = [...((pathItem.parameters as Json[] | undefined) ?? []), ...((this.#operation(operation).parameters as Json[] | undefined) ?? [])];
    return list.map((p) => this.#resolve(p) as unknown as Parameter);
  }

  #checkParameter(operation: MatchedOperation, parameter: Parameter, value: unknown): string[] {
    if (parameter.schema === undefined) return [];
    const key = `${operation.operationId} ${parameter.in} ${parameter.name}`;
    // Coercion works on a property of an object, not on a bare value.
    const wrapper = { type: 'object', properties: { value: parameter.schema }, required: ['value'] } as JsonObject;
    return this.#check(key, wrapper, { value }, `${parameter.in} parameter ${parameter.name}`, true);
  }

  #check(key: string, schema: JsonObject, data: unknown, what: string, coerce: boolean): string[] {
    let validate = this.#compiled.get(key);
    if (validate === undefined) {
      validate = (coerce ? this.#coercingAjv : this.#strictAjv).compile(toJsonSchema(schema) as object);
      this.#compiled.set(key, validate);
    }
    if (validate(data)) return [];
    return (validate.errors ?? []).map((error) => describe(what, error));
  }

  /** Follows a `$ref` to `#/components/...` (parameters, request bodies and responses are referenced too). */
  #resolve(node: Json | undefined): Json | undefined {
    let current = node;
    for (let hops = 0; hops < 10 && isObject(current) && typeof current.$ref === 'string'; hops++) {
      current = pointer(this.#document, current.$ref);
    }
    return current;
  }
}

let loaded: Promise<OpenApiValidator> | undefined;

function routesOf(document: JsonObject): Route[] {
  const routes: Route[] = [];
  for (const [template, item] of Object.entries(document.paths as JsonObject)) {
    const names: string[] = [];
    let literals = 0;
    const source = template
      .split('/')
      .map((segment) => {
        if (/^\{[^}]+\}$/.test(segment)) {
          names.push(segment.slice(1, -1));
          return '([^/]+)';
        }
        literals++;
        return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      })
      .join('/');
    const operations = new Map<string, JsonObject>();
    for (const [method, operation] of Object.entries(item as JsonObject)) {
      if (['get', 'put', 'post', 'delete', 'patch', 'head', 'options'].includes(method)) operations.set(method, operation as JsonObject);
    }
    routes.push({ template, pattern: new RegExp(`^${source}$`), names, literals, operations });
  }
  return routes.sort((a, b) => b.literals - a.literals);
}

/** An OpenAPI 3.0 schema as JSON Schema (draft 7 as ajv reads it); see the file comment. */
function toJsonSchema(node: Json): Json {
  if (!isObject(node)) return node;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    switch (key) {
      case '$ref':
        out[key] = typeof value === 'string' && value.startsWith('#') ? DOCUMENT_ID + value : value;
        break;
      case 'properties':
      case 'patternProperties':
        out[key] = isObject(value) ? Object.fromEntries(Object.entries(value).map(([name, schema]) => [name, toJsonSchema(schema)])) : value;
        break;
      case 'items':
      case 'additionalProperties':
      case 'not':
        out[key] = Array.isArray(value) ? value.map(toJsonSchema) : toJsonSchema(value);
        break;
      case 'allOf':
      case 'anyOf':
      case 'oneOf':
        out[key] = Array.isArray(value) ? value.map(toJsonSchema) : value;
        break;
      case 'nullable':
        break;
      default:
        out[key] = value;
    }
  }
  if (node.nullable !== true) return out;
  if (typeof out.type === 'string') {
    out.type = [out.type, 'null'];
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
    return out;
  }
  return { anyOf: [{ type: 'null' }, out] };
}

function formatsIn(node: Json, found = new Set<string>()): Set<string> {
  if (Array.isArray(node)) node.forEach((item) => formatsIn(item, found));
  else if (isObject(node)) {
    if (typeof node.format === 'string') found.add(node.format);
    for (const value of Object.values(node)) formatsIn(value, found);
  }
  return found;
}

function pointer(document: JsonObject, ref: string): Json | undefined {
  if (!ref.startsWith('#/')) return undefined;
  let current: Json | undefined = document;
  for (const part of ref.slice(2).split('/')) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    current = isObject(current) ? current[key] : undefined;
  }
  return current;
}

function describe(what: string, error: ErrorObject): string {
  const where = `${what}${error.instancePath.replace(/^\/value/, '')}`;
  const params = Object.keys(error.params).length > 0 ? ` ${JSON.stringify(error.params)}` : '';
  return `${where} ${error.message ?? error.keyword}${params}`;
}

function isObject(node: Json | undefined): node is JsonObject {
  return typeof node === 'object' && node !== null && !Array.isArray(node);
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
