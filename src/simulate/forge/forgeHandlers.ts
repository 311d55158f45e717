/**
 * What the simulated forge does for each operation it serves: GitHub's behaviour (filters, sort orders, pages with
 * `link` headers, merge methods, refusals) over a `PullRequestStore`, answered with GitHub-shaped payloads. Gitea's
 * differences that a client must cope with are kept where they differ (see `ForgeFlavor`).
 */
import { issueComment, pullRequest, pullRequestSimple, type PayloadContext } from './githubPayloads.js';
import type { ForgeOperation, ForgeOperationId } from './forgeRoutes.js';
import { ForgeRefusal, type MergeMethod, type PullRecord, type PullRequestStore } from './pullRequestStore.js';

/**
 * `github` behaves as GitHub. `gitea` behaves as Gitea where it differs in ways a client must cope with: the pull
 * request list ignores `head`, `base`, `sort`, `direction` and `per_page` (pages of 30, most recently updated
 * first), and a duplicate pull request is refused with 409 instead of 422.
 */
export type ForgeFlavor = 'github' | 'gitea';

/** An answer: status, JSON body (none when undefined) and extra headers. */
export interface ForgeAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A request that passed the checks, as a handler gets it. */
export interface ForgeHandlerCall {
  operation: ForgeOperation;
  url: URL;
  /** The JSON body, `{}` when there was none. */
  body: Record<string, unknown>;
}

/** One operation's behaviour; a refusal is thrown as `ForgeRefusal`. */
export type ForgeHandler = (call: ForgeHandlerCall) => Promise<ForgeAnswer>;

/** What the handlers work on. */
export interface ForgeHandlerContext {
  store: PullRequestStore;
  /** Where the server lives; known once it listens, before any request. */
  payloads: () => PayloadContext;
  owner: string;
  repo: string;
  /** Who the token belongs to: the author of what the API creates and merges. */
  login: string;
  flavor: ForgeFlavor;
  /** Caps page sizes. */
  maxPageSize: number;
}

/** One handler per served operation. */
export function forgeHandlers(ctx: ForgeHandlerContext): Record<ForgeOperationId, ForgeHandler> {
  const { store, owner, repo, login, flavor } = ctx;
  const number = (call: ForgeHandlerCall, name: 'pull_number' | 'issue_number'): number => Number(call.operation.pathParams[name]);

  async function fullPayload(pr: PullRecord): Promise<unknown> {
    const view = await store.view(pr);
    return pullRequest(ctx.payloads(), { ...view, comments: view.comments.length }, view, store.openCount);
  }

  async function simplePayload(pr: PullRecord): Promise<unknown> {
    const view = await store.view(pr);
    return pullRequestSimple(ctx.payloads(), { ...view, comments: view.comments.length }, store.openCount);
  }

  return {
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
        if (head !== null) pulls = pulls.filter((pr) => `${owner}:${pr.head}`.toLowerCase() === head.toLowerCase());
        if (base !== null) pulls = pulls.filter((pr) => pr.base === base);
        const sort = query.get('sort') ?? 'created';
        const direction = query.get('direction') ?? (sort === 'created' ? 'desc' : 'asc');
        const key = (pr: PullRecord): string => (sort === 'updated' ? pr.updatedAt : String(pr.number).padStart(12, '0'));
        pulls.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0) * (direction === 'desc' ? -1 : 1));
        pageSize = Math.min(Number(query.get('per_page') ?? 30), 100);
      }
      pageSize = Math.max(1, Math.min(pageSize, ctx.maxPageSize));
      const page = Math.max(1, Number(query.get('page') ?? 1));
      const last = Math.max(1, Math.ceil(pulls.length / pageSize));
      const items = pulls.slice((page - 1) * pageSize, page * pageSize);
      const body = await Promise.all(items.map(simplePayload));
      return { status: 200, body, headers: linkHeader(call.url, page, last) };
    },
    'pulls/create': async (call) => {
      const b = call.body as { head: string; base: string; title?: string; body?: string; draft?: boolean; issue?: number; maintainer_can_modify?: boolean };
      if (b.issue !== undefined) {
        throw new ForgeRefusal(422, 'Validation Failed', [{ resource: 'PullRequest', field: 'issue', code: 'invalid', message: 'the simulated forge does not convert issues' }]);
      }
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
        headers: { location: `${ctx.payloads().apiUrl}/repos/${owner}/${repo}/pulls/${pr.number}` },
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
      if (pr?.mergedAt) return { status: 204 };
      throw new ForgeRefusal(404, 'Not Found');
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
    'issues/list-comments': async (call) => {
      const pr = store.get(number(call, 'issue_number'));
      if (pr === undefined) throw new ForgeRefusal(404, 'Not Found');
      return { status: 200, body: pr.comments.map((comment) => issueComment(ctx.payloads(), comment)) };
    },
    'issues/create-comment': async (call) => {
      const comment = store.comment(number(call, 'issue_number'), String(call.body.body), login);
      return {
        status: 201,
        body: issueComment(ctx.payloads(), comment),
        headers: { location: `${ctx.payloads().apiUrl}/repos/${owner}/${repo}/issues/comments/${comment.id}` },
      };
    },
  };
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
