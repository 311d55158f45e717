/**
 * The operations of GitHub's REST API the simulated forge serves, as GitHub's OpenAPI description names them
 * (operationId, method, path template), so it routes requests without loading that 13 MB description.
 *
 * Each route also lists the query parameters and JSON body fields its handler reads, with the types GitHub
 * documents for them. When the server runs without a checker, these give bad requests a clear 422 instead of a
 * handler reading a number where it expects a string; with a checker (the tests run one over GitHub's whole
 * description), the checker is the authority and these rules are not used. The tests also check this table
 * against the description, so a route here cannot drift from GitHub's API unnoticed.
 */

/** A value a route reads: its JSON type and, for strings, the values GitHub allows. */
export interface ForgeField {
  type: 'string' | 'integer' | 'boolean';
  /** Must be present (body fields only; a missing query parameter takes its default). */
  required?: true;
  /** The only values allowed, when GitHub documents an enum. */
  oneOf?: readonly string[];
}

/** One served operation. */
export interface ForgeRoute {
  /** GitHub's operationId, e.g. `pulls/create`. */
  readonly operationId: ForgeOperationId;
  /** Upper-case HTTP method. */
  readonly method: 'GET' | 'POST' | 'PATCH' | 'PUT';
  /** GitHub's path template, e.g. `/repos/{owner}/{repo}/pulls/{pull_number}`. */
  readonly template: string;
  /** Path parameters in order, with their types (`*_number` ones are integers). */
  readonly pathParams: Readonly<Record<string, ForgeField>>;
  /** Query parameters the handler reads; others are ignored, as GitHub ignores them. */
  readonly query?: Readonly<Record<string, ForgeField>>;
  /** JSON body fields the handler reads; absent when the operation takes no body. */
  readonly body?: Readonly<Record<string, ForgeField>>;
}

/** A request matched to an operation, with its path parameters decoded. */
export interface ForgeOperation {
  operationId: string;
  /** Upper-case HTTP method. */
  method: string;
  /** GitHub's path template the request matched. */
  template: string;
  pathParams: Record<string, string>;
}

const REPO = { owner: { type: 'string' }, repo: { type: 'string' } } as const;
const PULL = { ...REPO, pull_number: { type: 'integer' } } as const;
const ISSUE = { ...REPO, issue_number: { type: 'integer' } } as const;
const STATE = { type: 'string', oneOf: ['open', 'closed'] } as const;

/** The served operations; the server has exactly one handler per entry (the type system holds it to that). */
export const FORGE_ROUTES = [
  {
    operationId: 'pulls/list',
    method: 'GET',
    template: '/repos/{owner}/{repo}/pulls',
    pathParams: REPO,
    query: {
      state: { type: 'string', oneOf: ['open', 'closed', 'all'] },
      head: { type: 'string' },
      base: { type: 'string' },
      sort: { type: 'string', oneOf: ['created', 'updated', 'popularity', 'long-running'] },
      direction: { type: 'string', oneOf: ['asc', 'desc'] },
      per_page: { type: 'integer' },
      page: { type: 'integer' },
    },
  },
  {
    operationId: 'pulls/create',
    method: 'POST',
    template: '/repos/{owner}/{repo}/pulls',
    pathParams: REPO,
    body: {
      head: { type: 'string', required: true },
      base: { type: 'string', required: true },
      title: { type: 'string' },
      body: { type: 'string' },
      draft: { type: 'boolean' },
      issue: { type: 'integer' },
      maintainer_can_modify: { type: 'boolean' },
    },
  },
  { operationId: 'pulls/get', method: 'GET', template: '/repos/{owner}/{repo}/pulls/{pull_number}', pathParams: PULL },
  {
    operationId: 'pulls/update',
    method: 'PATCH',
    template: '/repos/{owner}/{repo}/pulls/{pull_number}',
    pathParams: PULL,
    body: { title: { type: 'string' }, body: { type: 'string' }, state: STATE, base: { type: 'string' } },
  },
  { operationId: 'pulls/check-if-merged', method: 'GET', template: '/repos/{owner}/{repo}/pulls/{pull_number}/merge', pathParams: PULL },
  {
    operationId: 'pulls/merge',
    method: 'PUT',
    template: '/repos/{owner}/{repo}/pulls/{pull_number}/merge',
    pathParams: PULL,
    body: {
      commit_title: { type: 'string' },
      commit_message: { type: 'string' },
      sha: { type: 'string' },
      merge_method: { type: 'string', oneOf: ['merge', 'squash', 'rebase'] },
    },
  },
  {
    operationId: 'issues/list-comments',
    method: 'GET',
    template: '/repos/{owner}/{repo}/issues/{issue_number}/comments',
    pathParams: ISSUE,
  },
  {
    operationId: 'issues/create-comment',
    method: 'POST',
    template: '/repos/{owner}/{repo}/issues/{issue_number}/comments',
    pathParams: ISSUE,
    body: { body: { type: 'string', required: true } },
  },
] as const satisfies readonly (Omit<ForgeRoute, 'operationId'> & { operationId: string })[];

/** The operationId of a served operation. */
export type ForgeOperationId = (typeof FORGE_ROUTES)[number]['operationId'];

const compiled = FORGE_ROUTES.map((route) => ({
  route: route as ForgeRoute,
  pattern: new RegExp(`^${route.template.replace(/\{[^}]+\}/g, '([^/]+)')}$`),
}));

/** The served operation `method path` is (path without mount prefix and query), or undefined. */
export function matchRoute(method: string, path: string): { route: ForgeRoute; operation: ForgeOperation } | undefined {
  const verb = method.toUpperCase();
  for (const { route, pattern } of compiled) {
    if (route.method !== verb) continue;
    const values = pattern.exec(path);
    if (values === null) continue;
    const pathParams: Record<string, string> = {};
    Object.keys(route.pathParams).forEach((name, i) => (pathParams[name] = safeDecode(values[i + 1]!)));
    return { route, operation: { operationId: route.operationId, method: verb, template: route.template, pathParams } };
  }
  return undefined;
}

/** Why no served operation matches, naming what is served there, for a 404's violation record. */
export function noRouteProblem(method: string, path: string): string {
  const verb = method.toUpperCase();
  const atPath = compiled.filter(({ pattern }) => pattern.test(path)).map(({ route }) => route.method);
  if (atPath.length > 0) return `${verb} is not served at ${path} (the simulated forge serves ${atPath.join(', ')} there)`;
  return `the simulated forge serves no operation at ${path}; it serves ${FORGE_ROUTES.map((r) => r.operationId).join(', ')}`;
}

/**
 * Every way a request breaks its route's rules: path and query parameter types and enums, body field types,
 * enums and required fields. `body` is the parsed JSON, undefined when the request had none.
 */
export function routeProblems(route: ForgeRoute, operation: ForgeOperation, query: URLSearchParams, body: unknown, hasBody: boolean): string[] {
  const problems: string[] = [];
  for (const [name, field] of Object.entries(route.pathParams)) {
    problems.push(...fieldProblems(`path parameter ${name}`, field, operation.pathParams[name], true));
  }
  for (const [name, field] of Object.entries(route.query ?? {})) {
    const value = query.get(name);
    if (value !== null) problems.push(...fieldProblems(`query parameter ${name}`, field, value, true));
  }
  if (route.body === undefined) {
    if (hasBody) problems.push(`${route.operationId} takes no request body`);
    return problems;
  }
  if (hasBody && (typeof body !== 'object' || body === null || Array.isArray(body))) {
    return [...problems, `${route.operationId} takes a JSON object as its body`];
  }
  const fields = (body ?? {}) as Record<string, unknown>;
  for (const [name, field] of Object.entries(route.body)) {
    if (fields[name] === undefined) {
      if (field.required === true) problems.push(`body must have required property '${name}'`);
    } else {
      problems.push(...fieldProblems(`body/${name}`, field, fields[name], false));
    }
  }
  return problems;
}

/** Problems of one value; `fromText` values (path, query) are strings that must read as the type. */
function fieldProblems(what: string, field: ForgeField, value: unknown, fromText: boolean): string[] {
  const ok =
    field.type === 'integer'
      ? fromText
        ? typeof value === 'string' && /^-?\d+$/.test(value)
        : Number.isInteger(value)
      : field.type === 'boolean'
        ? fromText
          ? value === 'true' || value === 'false'
          : typeof value === 'boolean'
        : typeof value === 'string';
  if (!ok) return [`${what} must be ${field.type}`];
  if (field.oneOf !== undefined && !field.oneOf.includes(value as string)) {
    return [`${what} must be one of ${field.oneOf.join(', ')} (not ${JSON.stringify(value)})`];
  }
  return [];
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
