/**
 * `Forge` over GitHub's REST API with @octokit/rest. Gitea and Forgejo serve the same routes and shapes for
 * everything used here under `<server>/api/v1`, so one implementation serves all three; what differs is handled
 * here, not by callers:
 * - Gitea ignores the `head`/`base` filters of the pull request list, so matches are always filtered again here
 *   (and on GitHub the filters keep the listing short).
 * - Gitea answers a duplicate pull request with 409 where GitHub answers 422: both mean "use the existing one".
 * - Gitea pages by `limit`, not `per_page`: pages are followed by their `Link` header, which both send.
 */
import { Octokit } from '@octokit/rest';
import { EdgeplaneError } from '../errors/edgeplaneError.js';
import { refNameProblem } from '../git/refName.js';
import {
  MAX_PULL_REQUEST_BODY,
  MAX_PULL_REQUEST_TITLE,
  type Forge,
  type OpenedPullRequest,
  type OpenPullRequestOptions,
  type PullRequest,
  type PullRequestBranches,
  type PullRequestChanges,
  type PullRequestComment,
} from './forge.js';
import { forgeError } from './forgeError.js';

/** Arguments of `new GitHubForge`. */
export interface GitHubForgeOptions {
  /** Only names the forge in messages. Default `github`. */
  kind?: string;
  /** The REST API base: `https://api.github.com`, `https://ghe.example.com/api/v3`, `https://gitea.example.com/api/v1`. */
  apiUrl: string;
  /** The repository's owner (user or organization). */
  owner: string;
  /** The repository's name. */
  repo: string;
  /** A personal access token, fine-grained token or app installation token; see docs/forges.md for scopes. */
  token: string;
  /** The fetch to use (tests, proxies). Default: Node's global fetch. */
  fetch?: typeof globalThis.fetch;
  /** Gives up on a request after this many milliseconds (as a transient GIT_FAILED). Default 30000. */
  timeoutMs?: number;
  /**
   * Where the client's warnings go (e.g. an endpoint the forge marks deprecated). Default: Node's
   * `process.emitWarning`. Failed requests are not logged here: they are thrown, with context.
   */
  onWarning?: (message: string) => void;
}

/** The fields of a pull request, as GitHub and Gitea both send them in list and single answers, that we read. */
interface ApiPullRequest {
  number: number;
  html_url: string;
  state: string;
  title: string;
  body?: string | null;
  head: { ref: string; sha: string; repo?: { full_name: string } | null };
  base: { ref: string };
  merged?: boolean;
  merged_at?: string | null;
  merge_commit_sha?: string | null;
  merged_by?: { login: string } | null;
}

const REPO_PART = /^[A-Za-z0-9_.-]+$/;

/** Pull requests of one repository on GitHub, GitHub Enterprise Server, Gitea or Forgejo. */
export class GitHubForge implements Forge {
  readonly description: string;
  readonly #octokit: Octokit;
  readonly #owner: string;
  readonly #repo: string;
  readonly #secrets: readonly string[];

  constructor(options: GitHubForgeOptions) {
    const apiUrl = checkApiUrl(options.apiUrl);
    for (const [field, value] of [
      ['owner', options.owner],
      ['repo', options.repo],
    ] as const) {
      if (typeof value !== 'string' || !REPO_PART.test(value) || value === '.' || value === '..') {
        throw new EdgeplaneError('BAD_ARGUMENT', `forge ${field} ${JSON.stringify(value)} is not a valid name: use letters, digits, "-", "_" and "."`, {
          field,
          value,
        });
      }
    }
    if (options.token === '' || /[\s\0]/.test(options.token)) {
      // The token is not quoted: a mangled token is still a secret.
      throw new EdgeplaneError('BAD_ARGUMENT', 'the forge token is empty or contains whitespace; store the token alone in its file or variable', {});
    }
    this.#owner = options.owner;
    this.#repo = options.repo;
    this.#secrets = [options.token];
    this.description = `${options.kind ?? 'github'} ${options.owner}/${options.repo} at ${apiUrl}`;
    const baseFetch = options.fetch ?? globalThis.fetch;
    const timeoutMs = options.timeoutMs ?? 30_000;
    const fetchWithTimeout: typeof globalThis.fetch = (input, init) =>
      baseFetch(input, { ...init, signal: init?.signal ?? AbortSignal.timeout(timeoutMs) });
    this.#octokit = new Octokit({
      auth: options.token,
      baseUrl: apiUrl,
      userAgent: 'edgeplane',
      request: { fetch: fetchWithTimeout },
      log: {
        debug: () => undefined,
        info: () => undefined,
        warn: options.onWarning ?? ((message: string) => process.emitWarning(message, 'EdgeplaneForgeWarning')),
        error: () => undefined,
      },
    });
  }

  async openPullRequest(options: OpenPullRequestOptions): Promise<OpenedPullRequest> {
    checkBranches(options);
    checkTitle(options.title);
    checkBody(options.body);
    const operation = `opening a pull request from ${options.head} into ${options.base}`;
    const existing = await this.#newest(options, 'open', operation);
    if (existing !== null) return { ...existing, created: false };
    try {
      const { data } = await this.#octokit.rest.pulls.create({
        owner: this.#owner,
        repo: this.#repo,
        head: options.head,
        base: options.base,
        title: options.title,
        body: options.body,
      });
      return { ...toPullRequest(data), created: true };
    } catch (error) {
      // Someone (another replica, a restarted run) opened it between our look and our create.
      const status = (error as { status?: unknown }).status;
      if (status === 409 || (status === 422 && /already exists/i.test(JSON.stringify((error as { response?: { data?: unknown } }).response?.data ?? '')))) {
        const raced = await this.#newest(options, 'open', operation);
        if (raced !== null) return { ...raced, created: false };
      }
      throw this.#error(error, operation);
    }
  }

  findPullRequest(branches: PullRequestBranches): Promise<PullRequest | null> {
    checkBranches(branches);
    return this.#newest(branches, 'all', `looking for pull requests from ${branches.head} into ${branches.base}`);
  }

  async getPullRequest(number: number): Promise<PullRequest> {
    checkNumber(number);
    try {
      const { data } = await this.#octokit.rest.pulls.get({ owner: this.#owner, repo: this.#repo, pull_number: number });
      return toPullRequest(data);
    } catch (error) {
      throw this.#error(error, `reading pull request #${number}`, number);
    }
  }

  async updatePullRequest(number: number, changes: PullRequestChanges): Promise<PullRequest> {
    checkNumber(number);
    if (changes.title !== undefined) checkTitle(changes.title);
    if (changes.body !== undefined) checkBody(changes.body);
    if (changes.title === undefined && changes.body === undefined) return this.getPullRequest(number);
    try {
      const { data } = await this.#octokit.rest.pulls.update({
        owner: this.#owner,
        repo: this.#repo,
        pull_number: number,
        ...(changes.title === undefined ? {} : { title: changes.title }),
        ...(changes.body === undefined ? {} : { body: changes.body }),
      });
      return toPullRequest(data);
    } catch (error) {
      throw this.#error(error, `updating pull request #${number}`, number);
    }
  }

  async closePullRequest(number: number): Promise<PullRequest> {
    checkNumber(number);
    try {
      const { data } = await this.#octokit.rest.pulls.update({
        owner: this.#owner,
        repo: this.#repo,
        pull_number: number,
        state: 'closed',
      });
      return toPullRequest(data);
    } catch (error) {
      throw this.#error(error, `closing pull request #${number}`, number);
    }
  }

  async commentOnPullRequest(number: number, body: string): Promise<PullRequestComment> {
    checkNumber(number);
    if (body.trim() === '') throw new EdgeplaneError('BAD_ARGUMENT', 'a pull request comment must not be empty', { number });
    checkBody(body);
    try {
      const { data } = await this.#octokit.rest.issues.createComment({
        owner: this.#owner,
        repo: this.#repo,
        issue_number: number,
        body,
      });
      return { id: data.id, url: data.html_url };
    } catch (error) {
      throw this.#error(error, `commenting on pull request #${number}`, number);
    }
  }

  /** The highest-numbered pull request from `head` (in this repository, not a fork) into `base`. */
  async #newest(branches: PullRequestBranches, state: 'open' | 'all', operation: string): Promise<PullRequest | null> {
    const ownName = `${this.#owner}/${this.#repo}`.toLowerCase();
    let newest: PullRequest | null = null;
    try {
      const pages = this.#octokit.paginate.iterator(this.#octokit.rest.pulls.list, {
        owner: this.#owner,
        repo: this.#repo,
        state,
        head: `${this.#owner}:${branches.head}`,
        base: branches.base,
        per_page: 100,
      });
      for await (const page of pages) {
        for (const item of page.data as ApiPullRequest[]) {
          const matches =
            item.head.ref === branches.head &&
            item.base.ref === branches.base &&
            item.head.repo?.full_name.toLowerCase() === ownName &&
            (state === 'all' || item.state === 'open');
          if (matches && (newest === null || item.number > newest.number)) newest = toPullRequest(item);
        }
      }
    } catch (error) {
      throw this.#error(error, operation);
    }
    return newest;
  }

  #error(error: unknown, operation: string, pullRequest?: number): EdgeplaneError {
    return forgeError(error, {
      operation,
      forge: this.description,
      secrets: this.#secrets,
      ...(pullRequest === undefined ? {} : { pullRequest }),
    });
  }
}

/** Our view of a pull request from either API answer. */
function toPullRequest(data: ApiPullRequest): PullRequest {
  const merged = data.merged === true || (data.state !== 'open' && typeof data.merged_at === 'string' && data.merged_at !== '');
  const state = data.state === 'open' ? 'open' : merged ? 'merged' : 'closed';
  return {
    number: data.number,
    url: data.html_url,
    state,
    head: data.head.ref,
    base: data.base.ref,
    headSha: data.head.sha,
    ...(state === 'merged' && data.merge_commit_sha ? { mergeCommit: data.merge_commit_sha } : {}),
    ...(state === 'merged' && data.merged_by ? { mergedBy: data.merged_by.login } : {}),
    title: data.title,
    body: data.body ?? '',
  };
}

function checkApiUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new EdgeplaneError('BAD_ARGUMENT', `forge url ${JSON.stringify(url)} is not a URL; use e.g. https://api.github.com`, { url });
  }
  if ((parsed.protocol !== 'https:' && parsed.protocol !== 'http:') || parsed.username !== '' || parsed.password !== '') {
    const shown = `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
    throw new EdgeplaneError('BAD_ARGUMENT', `forge url ${shown} must be http(s) and carry no credentials; give the token through a file or environment variable`, {
      url: shown,
    });
  }
  if (parsed.search !== '' || parsed.hash !== '') {
    throw new EdgeplaneError('BAD_ARGUMENT', `forge url ${JSON.stringify(url)} must not have a query or fragment`, { url });
  }
  return parsed.href.replace(/\/+$/, '');
}

function checkBranches(branches: PullRequestBranches): void {
  for (const field of ['head', 'base'] as const) {
    const name = branches[field];
    const problem = name.startsWith('refs/') ? 'must be a branch name without refs/heads/' : refNameProblem(`refs/heads/${name}`);
    if (problem !== null) {
      throw new EdgeplaneError('BAD_ARGUMENT', `pull request ${field} ${JSON.stringify(name)} is not a valid branch name: it ${problem}`, {
        field,
        branch: name,
      });
    }
  }
  if (branches.head === branches.base) {
    throw new EdgeplaneError('BAD_ARGUMENT', `a pull request needs two different branches, got ${branches.head} twice`, { ...branches });
  }
}

function checkTitle(title: string): void {
  if (title.trim() === '' || /[\r\n]/.test(title) || [...title].length > MAX_PULL_REQUEST_TITLE) {
    throw new EdgeplaneError('BAD_ARGUMENT', `a pull request title must be one non-empty line of at most ${MAX_PULL_REQUEST_TITLE} characters`, {
      title: title.slice(0, 300),
    });
  }
}

function checkBody(body: string): void {
  const length = [...body].length;
  if (length > MAX_PULL_REQUEST_BODY) {
    throw new EdgeplaneError(
      'BAD_ARGUMENT',
      `a pull request description or comment has ${length} characters, more than the ${MAX_PULL_REQUEST_BODY} forges accept; summarize it`,
      { length, max: MAX_PULL_REQUEST_BODY },
    );
  }
}

function checkNumber(number: number): void {
  if (!Number.isSafeInteger(number) || number < 1) {
    throw new EdgeplaneError('BAD_ARGUMENT', `${String(number)} is not a pull request number`, { number });
  }
}
