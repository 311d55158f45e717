/**
 * A GitHub REST API server (and Gitea's GitHub-compatible one) for edgeplane's simulated environment: the pull
 * request and comment operations edgeplane's forge clients use (see `FORGE_ROUTES`), over a real bare repository, so
 * the branches pushed to that repository (e.g. through `startGitServer`) are the branches pull requests show,
 * and merges land in it. `edgeplane demo groundstations` reviews its rollout waves here, with the script merging
 * as a person would, and the tests run edgeplane's forge clients against it.
 *
 * It is not a forge for production use: one repository, one token, state in memory, no users, reviews or
 * webhooks. What it does serve must stay faithful to GitHub's API, and the tests prove it: they run it with a
 * `ForgeChecker` over GitHub's official OpenAPI description that checks every request and every answer, and
 * assert that nothing broke it. Without a checker it checks requests against its own route table only.
 *
 * Requests need `Authorization: token|Bearer <token>` (401 otherwise). Clients that run in the same process must
 * be asynchronous (the server answers on that process's event loop).
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { forgeHandlers, type ForgeAnswer, type ForgeFlavor, type ForgeHandler } from './forgeHandlers.js';
import { matchRoute, noRouteProblem, routeProblems, type ForgeOperation, type ForgeRoute } from './forgeRoutes.js';
import { basicError, validationError, type PayloadContext } from './githubPayloads.js';
import { ForgeRefusal, PullRequestStore, type MergeMethod } from './pullRequestStore.js';

/** Arguments of `startForgeServer`. */
export interface ForgeServerOptions {
  /** The bare repository whose branches pull requests go between (e.g. one a git server serves). */
  gitdir: string;
  /** The served repository is `owner/repo`; any other answers 404. */
  owner: string;
  repo: string;
  /** The only token accepted. */
  token: string;
  /** Who the token belongs to: the author of pull requests and comments it makes. Default `edgeplane-bot`. */
  login?: string;
  /** Where the API is mounted: `''` (GitHub, default) or `/api/v1` (Gitea, Forgejo). */
  basePath?: string;
  /** Which forge's behaviour, where GitHub and Gitea differ (see `ForgeFlavor`). Default `github`. */
  flavor?: ForgeFlavor;
  /** Caps page sizes, so clients can be made to follow pages with few pull requests. Default 100. */
  maxPageSize?: number;
  /**
   * Checks every request and answer against an API description (the tests pass GitHub's OpenAPI description);
   * what it finds is recorded in `violations`. Without one, requests are checked against the route table.
   */
  check?: ForgeChecker;
}

/**
 * An API description the traffic is checked against. It is the authority on which operation a request is: a
 * request the description names an operation the route table does not serve is recorded as `unimplemented`
 * (answered 501); one the description does not know is a `request` violation (404).
 */
export interface ForgeChecker {
  /** The description's version, shown as the server's `apiVersion`. */
  readonly version: string;
  /** The operation `method path` is (path without mount prefix and query), or why it is none. */
  operation(method: string, path: string): ForgeOperation | { error: string };
  /** Every way the request breaks the operation's description; `body` is undefined when there was none. */
  request(operation: ForgeOperation, request: { query: URLSearchParams; body: unknown; hasBody: boolean }): string[];
  /** Every way the answer breaks the operation's description. */
  response(operation: ForgeOperation, answer: { status: number; body: unknown; hasBody: boolean }): string[];
}

/** A request or answer that broke the API description (or the route table), or an operation that is not served. */
export interface ForgeViolation {
  kind: 'request' | 'response' | 'unimplemented';
  method: string;
  /** The request path, without the mount prefix, with its query. */
  path: string;
  operationId?: string;
  status?: number;
  errors: string[];
}

/** One request the server answered. */
export interface ForgeRequestRecord {
  method: string;
  path: string;
  operationId?: string;
  status: number;
}

/** A pull request as the one running the simulation sees it. */
export interface ForgePullRequestView {
  number: number;
  title: string;
  body: string | null;
  head: string;
  base: string;
  state: 'open' | 'closed';
  merged: boolean;
  mergeCommitSha: string | null;
  mergedBy: string | null;
  user: string;
  /** Bodies of its comments, oldest first. */
  comments: string[];
}

/** A running simulated forge. */
export interface ForgeServer {
  /** The API base for clients: `http://127.0.0.1:<port>` plus `basePath`. */
  readonly apiUrl: string;
  /** The version of the description the checker checks traffic against; null without a checker. */
  readonly apiVersion: string | null;
  /** What broke the checks, in the order requests came; a faithful client and server leave it empty. */
  readonly violations: readonly ForgeViolation[];
  readonly requests: readonly ForgeRequestRecord[];
  /** Every pull request, oldest first. */
  pullRequests(): ForgePullRequestView[];
  /** Merges as a person would with the merge button (default method `merge`, by `release-manager`); returns the new base commit. */
  merge(number: number, options?: { method?: MergeMethod; by?: string }): Promise<string>;
  /** Closes without merging, as a person would. */
  close(number: number): Promise<void>;
  /** Stops listening and drops open connections. */
  stop(): Promise<void>;
}

const MAX_REQUEST_BYTES = 4 * 1024 * 1024;

/** Starts a simulated forge on 127.0.0.1 (an ephemeral port); resolves once it listens. */
export async function startForgeServer(options: ForgeServerOptions): Promise<ForgeServer> {
  const basePath = (options.basePath ?? '').replace(/\/+$/, '');
  const check = options.check;
  const store = new PullRequestStore(options.gitdir, options.owner);
  const violations: ForgeViolation[] = [];
  const requests: ForgeRequestRecord[] = [];
  let payloads: PayloadContext | undefined;
  const served: Record<string, ForgeHandler> = forgeHandlers({
    store,
    payloads: () => payloads!,
    owner: options.owner,
    repo: options.repo,
    login: options.login ?? 'edgeplane-bot',
    flavor: options.flavor ?? 'github',
    maxPageSize: options.maxPageSize ?? 100,
  });

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ message: `simulated forge: ${error instanceof Error ? error.message : String(error)}` }));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', payloads!.apiUrl);
    const raw = await readBody(req);
    const shownPath = url.pathname.slice(basePath.length) + url.search;
    const send = (answer: ForgeAnswer, operation?: ForgeOperation): void => {
      requests.push({ method, path: shownPath, ...(operation ? { operationId: operation.operationId } : {}), status: answer.status });
      const text = answer.body === undefined ? '' : JSON.stringify(answer.body);
      res.writeHead(answer.status, {
        ...(text === '' ? {} : { 'content-type': 'application/json; charset=utf-8' }),
        'x-github-api-version-selected': '2022-11-28',
        'x-github-request-id': randomUUID(),
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': '4999',
        ...answer.headers,
      });
      res.end(text);
    };

    if (basePath !== '' && !url.pathname.startsWith(`${basePath}/`)) {
      violations.push({ kind: 'request', method, path: url.pathname + url.search, errors: [`the API is mounted at ${basePath}`] });
      send({ status: 404, body: basicError('Not Found', 404) });
      return;
    }
    const apiPath = url.pathname.slice(basePath.length);
    const routed = resolve(method, apiPath);
    if ('error' in routed) {
      violations.push({ kind: 'request', method, path: shownPath, errors: [routed.error] });
      send({ status: 404, body: basicError('Not Found', 404) });
      return;
    }
    const { operation, route } = routed;

    const hasBody = raw !== null && raw.length > 0;
    let body: unknown;
    let problems: string[];
    let unparsable = raw === null;
    if (raw === null) problems = [`the request body is larger than ${MAX_REQUEST_BYTES} bytes`];
    else if (hasBody && !/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
      problems = [`the body's content-type is ${req.headers['content-type'] ?? 'missing'}, not application/json`];
      unparsable = true;
    } else {
      try {
        body = hasBody ? JSON.parse(raw.toString('utf8')) : undefined;
      } catch {
        unparsable = true;
      }
      if (unparsable) problems = ['the body is not JSON'];
      else if (check !== undefined) problems = check.request(operation, { query: url.searchParams, body, hasBody });
      else problems = route === undefined ? [] : routeProblems(route, operation, url.searchParams, body, hasBody);
    }
    if (problems.length > 0) {
      violations.push({ kind: 'request', method, path: shownPath, operationId: operation.operationId, errors: problems });
    }

    if (!authorized(req.headers.authorization, options.token)) {
      const message = req.headers.authorization === undefined ? 'Requires authentication' : 'Bad credentials';
      send({ status: 401, body: basicError(message, 401) }, operation);
      return;
    }
    let answer: ForgeAnswer;
    if (unparsable) answer = { status: 400, body: basicError('Problems parsing JSON', 400) };
    else if (problems.length > 0) answer = { status: 422, body: { ...validationError(`Invalid request.\n\n${problems.join('\n')}`, []) } };
    else if (!sameName(operation.pathParams.owner, options.owner) || !sameName(operation.pathParams.repo, options.repo)) {
      answer = { status: 404, body: basicError('Not Found', 404) };
    } else if (route === undefined) {
      violations.push({ kind: 'unimplemented', method: operation.method, path: apiPath, operationId: operation.operationId, errors: ['the simulated forge does not serve this operation'] });
      answer = { status: 501, body: basicError(`${operation.operationId} is not served by the simulated forge`, 501) };
    } else {
      answer = await dispatch(served[route.operationId]!, operation, url, isRecord(body) ? body : {});
    }
    const wrong = check?.response(operation, { status: answer.status, body: answer.body, hasBody: answer.body !== undefined }) ?? [];
    if (wrong.length > 0) {
      violations.push({ kind: 'response', method, path: shownPath, operationId: operation.operationId, status: answer.status, errors: wrong });
    }
    send(answer, operation);
  }

  /**
   * The operation a request is and the route serving it (undefined: an operation of the API that is not served).
   * With a checker, its description decides which operation it is, so the route table is checked on every request.
   */
  function resolve(method: string, apiPath: string): { operation: ForgeOperation; route: ForgeRoute | undefined } | { error: string } {
    const match = matchRoute(method, apiPath);
    if (check === undefined) return match ?? { error: noRouteProblem(method, apiPath) };
    const described = check.operation(method, apiPath);
    if ('error' in described) return described;
    return { operation: described, route: match?.route.operationId === described.operationId ? match.route : undefined };
  }

  async function dispatch(handler: ForgeHandler, operation: ForgeOperation, url: URL, body: Record<string, unknown>): Promise<ForgeAnswer> {
    try {
      return await handler({ operation, url, body });
    } catch (error) {
      if (!(error instanceof ForgeRefusal)) throw error;
      if (error.status === 422) return { status: 422, body: validationError(error.message, error.errors) };
      return { status: error.status, body: basicError(error.message, error.status) };
    }
  }

  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => done());
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  payloads = {
    apiUrl: origin + basePath,
    webUrl: origin,
    owner: options.owner,
    repo: options.repo,
    repoId: 731_000_001,
    defaultBranch: 'main',
    createdAt: '2026-01-01T00:00:00Z',
  };

  return {
    apiUrl: payloads.apiUrl,
    apiVersion: check?.version ?? null,
    violations,
    requests,
    pullRequests: () =>
      store.all().map((pr) => ({
        number: pr.number,
        title: pr.title,
        body: pr.body,
        head: pr.head,
        base: pr.base,
        state: pr.state,
        merged: pr.mergedAt !== null,
        mergeCommitSha: pr.mergeCommitSha,
        mergedBy: pr.mergedBy,
        user: pr.user,
        comments: pr.comments.map((comment) => comment.body),
      })),
    merge: (n, mergeOptions = {}) => store.merge(n, { method: mergeOptions.method ?? 'merge', by: mergeOptions.by ?? 'release-manager' }),
    close: async (n) => {
      await store.close(n);
    },
    stop: async () => {
      const closed = new Promise<void>((done) => server.close(() => done()));
      server.closeAllConnections();
      await closed;
    },
  };
}

/** The body, or null when it is larger than the limit. */
async function readBody(req: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_REQUEST_BYTES) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** `token <t>` or `Bearer <t>`, as GitHub and Gitea accept. */
function authorized(header: string | undefined, token: string): boolean {
  const match = /^(?:token|bearer)\s+(\S+)$/i.exec(header ?? '');
  if (match === null) return false;
  const given = Buffer.from(match[1]!);
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function sameName(a: string | undefined, b: string): boolean {
  return a !== undefined && a.toLowerCase() === b.toLowerCase();
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
