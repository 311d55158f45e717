/**
 * A local stand-in for GitHub's REST API (and Gitea's GitHub-compatible one), for testing forge clients: the pull
 * request and comment endpoints edgeplane uses, over a real bare repository, so branches pushed through
 * `startGitServer` are the branches pull requests show, and merges land in that repository.
 *
 * Every request is checked against GitHub's official OpenAPI description (`@octokit/openapi`): the path must be an
 * operation of the API, path and query parameters and the JSON body must match its schemas. A request that does
 * not is answered 400/422 and recorded in `violations`. Every answer is checked against the operation's response
 * schema too, and recorded when it does not match, so a test asserting `violations` is empty shows that client
 * and fake both speak GitHub's API as documented. Requests need `Authorization: token|Bearer <token>` (401
 * otherwise). Runs in the test process: talk to it with asynchronous clients only.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  basicError,
  issueComment,
  pullRequest,
  pullRequestSimple,
  validationError,
  type PayloadContext,
} from '../forge/githubPayloads.js';
import { OpenApiValidator, type MatchedOperation } from '../forge/openApiValidator.js';
import { ForgeRefusal, PullRequestStore, type MergeMethod, type PullRecord } from '../forge/pullRequestStore.js';

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
  /**
   * `github` (default) behaves as GitHub. `gitea` behaves as Gitea where it differs in ways a client must cope
   * with: the pull request list ignores `head`, `base`, `sort`, `direction` and `per_page` (pages of 30, most
   * recently updated first), and a duplicate pull request is refused with 409 instead of 422.
   */
  flavor?: 'github' | 'gitea';
  /** Caps page sizes, so tests can make clients follow pages with few pull requests. Default 100. */
  maxPageSize?: number;
}

/** A request or answer that broke GitHub's OpenAPI description, or an operation the fake does not serve. */
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

/** A pull request as a test sees it. */
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

/** A running fake forge. */
export interface ForgeServer {
  /** The API base for clients: `http://127.0.0.1:<port>` plus `basePath`. */
  readonly apiUrl: string;
  /** The OpenAPI description's version the traffic is checked against. */
  readonly apiVersion: string;
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

interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface Call {
  operation: MatchedOperation;
  url: URL;
  body: Record<string, unknown>;
}

const MAX_REQUEST_BYTES = 4 * 1024 * 1024;

/** Starts a fake forge on 127.0.0.1 (an ephemeral port); resolves once it listens. */
export async function startForgeServer(options: ForgeServerOptions): Promise<ForgeServer> {
  const validator = await OpenApiValidator.load();
  const basePath = (options.basePath ?? '').replace(/\/+$/, '');
  const flavor = options.flavor ?? 'github';
  const login = options.login ?? 'edgeplane-bot';
  const store = new PullRequestStore(options.gitdir, options.owner);
  const violations: ForgeViolation[] = [];
  const requests: ForgeRequestRecord[] = [];
  let payloads: PayloadContext;

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ message: `fake forge: ${error instanceof Error ? error.message : String(error)}` }));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', payloads.apiUrl);
    const raw = await readBody(req);
    const shownPath = url.pathname.slice(basePath.length) + url.search;
    const send = (answer: Answer, operation?: MatchedOperation): void => {
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
    const matched = validator.match(method, apiPath);
    if ('error' in matched) {
      violations.push({ kind: 'request', method, path: shownPath, errors: [matched.error] });
      send({ status: 404, body: basicError('Not Found', 404) });
      return;
    }

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
        problems = validator.checkRequest(matched, url.searchParams, body, hasBody);
      } catch {
        problems = ['the body is not JSON'];
        unparsable = true;
      }
    }
    if (problems.length > 0) {
      violations.push({ kind: 'request', method, path: shownPath, operationId: matched.operationId, errors: problems });
    }

    if (!authorized(req.headers.authorization, options.token)) {
      const message = req.headers.authorization === undefined ? 'Requires authentication' : 'Bad credentials';
      send({ status: 401, body: basicError(message, 401) }, matched);
      return;
    }
    let answer: Answer;
    if (unparsable) answer = { status: 400, body: basicError('Problems parsing JSON', 400) };
    else if (problems.length > 0) answer = { status: 422, body: { ...validationError(`Invalid request.\n\n${problems.join('\n')}`, []) } };
    else if (!sameName(matched.pathParams.owner, options.owner) || !sameName(matched.pathParams.repo, options.repo)) {
      answer = { status: 404, body: basicError('Not Found', 404) };
    } else {
      answer = await dispatch({ operation: matched, url, body: isRecord(body) ? body : {} });
    }
    const wrong = validator.checkResponse(matched, answer.status, answer.body, answer.body !== undefined);
    if (wrong.length > 0) {
      violations.push({ kind: 'response', method, path: shownPath, operationId: matched.operationId, status: answer.status, errors: wrong });
    }
    send(answer, matched);
  }

  async function dispatch(call: Call): Promise<Answer> {
    const handler = handlers[call.operation.operationId];
    if (handler === undefined) {
      const path = call.url.pathname.slice(basePath.length);
      violations.push({ kind: 'unimplemented', method: call.operation.method, path, operationId: call.operation.operationId, errors: ['the fake forge does not serve this operation'] });
      return { status: 501, body: basicError(`${call.operation.operationId} is not served by the fake forge`, 501) };
    }
    try {
      return await handler(call);
    } catch (error) {
      if (!(error instanceof ForgeRefusal)) throw error;
      if (error.status === 422) return { status: 422, body: validationError(error.message, error.errors) };
      return { status: error.status, body: basicError(error.message, error.status) };
    }
  }

  const number = (call: Call, name: 'pull_number' | 'issue_number'): number => Number(call.operation.pathParams[name]);

  async function fullPayload(pr: PullRecord): Promise<unknown> {
    const view = await store.view(pr);
    return pullRequest(payloads, { ...view, comments: view.comments.length }, view, store.openCount);
  }

  async function simplePayload(pr: PullRecord): Promise<unknown> {
    const view = await store.view(pr);
    return pullRequestSimple(payloads, { ...view, comments: view.comments.length }, store.openCount);
  }

  const handlers: Record<string, (call: Call) => Promise<Answer>> = {
    'pulls/list': async (call) => {
      const query = call.url.searchParams;
      const state = query.get('state') ?? 'open';
      let pulls = store.all().filter((pr) => state === 'all' || pr.state === state);
      let pageSize: number;
      if (flavor === 'gitea') {
        pulls.sort((a, b) => (a.updatedAt === b.updatedAt ? b.number - a.number : a.updatedAt < b.updatedAt ? 1 : -1));
        pageSize = 30;
      } else {
        const head = query.get('head');
        const base = query.get('base');
        if (head !== null) pulls = pulls.filter((pr) => `${options.owner}:${pr.head}`.toLowerCase() === head.toLowerCase());
        if (base !== null) pulls = pulls.filter((pr) => pr.base === base);
        const sort = query.get('sort') ?? 'created';
        const direction = query.get('direction') ?? (sort === 'created' ? 'desc' : 'asc');
        const key = (pr: PullRecord): string => (sort === 'updated' ? pr.updatedAt : String(pr.number).padStart(12, '0'));
        pulls.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0) * (direction === 'desc' ? -1 : 1));
        pageSize = Math.min(Number(query.get('per_page') ?? 30), 100);
      }
      pageSize = Math.max(1, Math.min(pageSize, options.maxPageSize ?? 100));
      const page = Math.max(1, Number(query.get('page') ?? 1));
      const last = Math.max(1, Math.ceil(pulls.length / pageSize));
      const items = pulls.slice((page - 1) * pageSize, page * pageSize);
      const body = await Promise.all(items.map(simplePayload));
      return { status: 200, body, headers: linkHeader(call.url, page, last) };
    },
    'pulls/create': async (call) => {
      const b = call.body as { head: string; base: string; title?: string; body?: string; draft?: boolean; issue?: number; maintainer_can_modify?: boolean };
      if (b.issue !== undefined) throw new ForgeRefusal(422, 'Validation Failed', [{ resource: 'PullRequest', field: 'issue', code: 'invalid', message: 'the fake forge does not convert issues' }]);
      if (b.title === undefined) throw new ForgeRefusal(422, 'Validation Failed', [{ resource: 'PullRequest', field: 'title', code: 'missing_field' }]);
      const pr = await store.create({
        head: b.head,
        base: b.base,
        title: b.title,
        body: b.body ?? null,
        draft: b.draft ?? false,
        maintainerCanModify: b.maintainer_can_modify ?? true,
        user: login,
        duplicateStatus: flavor === 'gitea' ? 409 : 422,
      });
      return {
        status: 201,
        body: await fullPayload(pr),
        headers: { location: `${payloads.apiUrl}/repos/${options.owner}/${options.repo}/pulls/${pr.number}` },
      };
    },
    'pulls/get': async (call) => {
      const pr = store.get(number(call, 'pull_number'));
      if (pr === undefined) throw new ForgeRefusal(404, 'Not Found');
      return { status: 200, body: await fullPayload(pr) };
    },
    'pulls/update': async (call) => {
      const b = call.body as { title?: string; body?: string; state?: 'open' | 'closed'; base?: string };
      const pr = await store.update(number(call, 'pull_number'), b);
      return { status: 200, body: await fullPayload(pr) };
    },
    'pulls/check-if-merged': async (call) => {
      const pr = store.get(number(call, 'pull_number'));
      return pr?.mergedAt ? { status: 204 } : { status: 404, body: basicError('Not Found', 404) };
    },
    'pulls/merge': async (call) => {
      const b = call.body as { commit_title?: string; commit_message?: string; sha?: string; merge_method?: MergeMethod };
      const sha = await store.merge(number(call, 'pull_number'), {
        method: b.merge_method ?? 'merge',
        by: login,
        ...(b.sha === undefined ? {} : { sha: b.sha }),
        ...(b.commit_title === undefined ? {} : { commitTitle: b.commit_title }),
        ...(b.commit_message === undefined ? {} : { commitMessage: b.commit_message }),
      });
      return { status: 200, body: { sha, merged: true, message: 'Pull Request successfully merged' } };
    },
    'issues/create-comment': async (call) => {
      const comment = store.comment(number(call, 'issue_number'), String(call.body.body), login);
      return {
        status: 201,
        body: issueComment(payloads, comment),
        headers: { location: `${payloads.apiUrl}/repos/${options.owner}/${options.repo}/issues/comments/${comment.id}` },
      };
    },
    'issues/list-comments': async (call) => {
      const pr = store.get(number(call, 'issue_number'));
      if (pr === undefined) throw new ForgeRefusal(404, 'Not Found');
      return { status: 200, body: pr.comments.map((comment) => issueComment(payloads, comment)) };
    },
  };

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
    apiVersion: validator.version,
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

/** GitHub's pagination links, on the request's own URL. */
function linkHeader(url: URL, page: number, last: number): Record<string, string> {
  const at = (n: number): string => {
    const next = new URL(url);
    next.searchParams.set('page', String(n));
    return `<${next.href}>`;
  };
  const links: string[] = [];
  if (page > 1) links.push(`${at(page - 1)}; rel="prev"`, `${at(1)}; rel="first"`);
  if (page < last) links.push(`${at(page + 1)}; rel="next"`, `${at(last)}; rel="last"`);
  return links.length === 0 ? {} : { link: links.join(', ') };
}

function sameName(a: string | undefined, b: string): boolean {
  return a !== undefined && a.toLowerCase() === b.toLowerCase();
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
