/**
 * What the rollout needs from a forge (GitHub, Gitea, Forgejo): one pull request per wave, whose merge releases the
 * wave and whose closing aborts the rollout. The rollout depends on this interface only; `createForge` picks the
 * implementation from configuration, and tests pass a `GitHubForge` pointed at a local server.
 *
 * Every method throws `EdgeplaneError`: AUTH (the forge refused the token: 401, or 403 other than a rate limit),
 * NOT_FOUND (no such repository or pull request, or the token cannot see it), BAD_ARGUMENT (an argument edgeplane
 * never sends to a forge, checked before any request) and GIT_FAILED for everything else. GIT_FAILED carries
 * `data.transient: true` when trying again later may succeed (network, timeout, 5xx, rate limit) and
 * `data.status`, the HTTP status when there was a response. No message or data ever contains the token.
 */

/** Where a pull request stands. `merged` and `closed` are final: a merged pull request is never `closed` here. */
export type PullRequestStatus = 'open' | 'merged' | 'closed';

/** A pull request as the forge reports it now. */
export interface PullRequest {
  /** The forge's number for it, unique within the repository (shared with issues on GitHub and Gitea). */
  number: number;
  /** Its web page, for people (links in status pages, logs, comments). */
  url: string;
  state: PullRequestStatus;
  /** Branch name the changes come from, without `refs/heads/`. */
  head: string;
  /** Branch name the changes go into, without `refs/heads/`. */
  base: string;
  /**
   * Commit id at the head of the pull request: while it is open, the head branch's current commit (it follows
   * pushes); once merged or closed, the commit it had then. Compare it with what edgeplane pushed before trusting
   * a merge as the release of a given content.
   */
  headSha: string;
  /**
   * Only when `merged`: the commit the merge produced on `base` (a merge commit, a squashed commit, or the last
   * rebased commit, per the merge method the person chose).
   */
  mergeCommit?: string;
  /** Only when `merged`, and only from `getPullRequest` (list answers do not carry it): who merged, by login. */
  mergedBy?: string;
  title: string;
  /** The description, Markdown. Empty when it has none. */
  body: string;
}

/** A pull request `openPullRequest` returns: `created` is false when an open one for the same branches existed. */
export interface OpenedPullRequest extends PullRequest {
  created: boolean;
}

/** Which branches a pull request goes between: branch names in the forge's repository, without `refs/heads/`. */
export interface PullRequestBranches {
  /** The branch with the changes; must exist on the forge (pushed) before `openPullRequest`. */
  head: string;
  /** The branch the changes are merged into. */
  base: string;
}

/** Arguments of `Forge.openPullRequest`. */
export interface OpenPullRequestOptions extends PullRequestBranches {
  /** One line, at most 256 characters. */
  title: string;
  /** Markdown, at most `MAX_PULL_REQUEST_BODY` characters. */
  body: string;
}

/** What `Forge.updatePullRequest` changes; fields left out stay as they are. */
export interface PullRequestChanges {
  title?: string;
  body?: string;
}

/** A comment left on a pull request. */
export interface PullRequestComment {
  id: number;
  /** Its web address, for people. */
  url: string;
}

/**
 * GitHub refuses a pull request or comment body longer than this many characters (HTTP 422), so every forge
 * implementation refuses it before sending, with BAD_ARGUMENT. A wave description for thousands of locations must
 * summarize (group, count, link to the rollout record in Git) to stay below it.
 */
export const MAX_PULL_REQUEST_BODY = 65536;

/** Longest title accepted (GitHub's limit is 256 characters). */
export const MAX_PULL_REQUEST_TITLE = 256;

/** A forge's pull requests in one repository, as the rollout uses them. */
export interface Forge {
  /** For messages and logs: kind, repository and API address, e.g. `github octo/fleet at https://api.github.com`. */
  readonly description: string;

  /**
   * Opens a pull request from `head` into `base`, or returns the newest open one between the same branches
   * (`created: false`, title and body as they are on the forge: compare and `updatePullRequest` if needed). A
   * restarted reconciler calling this again therefore never opens a duplicate, and two concurrent callers end up
   * with the same pull request. Fails with GIT_FAILED (status 422) when `head` does not exist on the forge or has
   * no commits that `base` lacks.
   */
  openPullRequest(options: OpenPullRequestOptions): Promise<OpenedPullRequest>;

  /** The newest pull request from `head` into `base` in this repository, in any state; null when there is none. */
  findPullRequest(branches: PullRequestBranches): Promise<PullRequest | null>;

  /** Pull request `number` as it is now. NOT_FOUND when there is none. */
  getPullRequest(number: number): Promise<PullRequest>;

  /** Changes the title and/or the description; returns the pull request as it is after the change. */
  updatePullRequest(number: number, changes: PullRequestChanges): Promise<PullRequest>;

  /** Closes it without merging (e.g. superseded by a newer spec change); closing a closed one changes nothing. */
  closePullRequest(number: number): Promise<PullRequest>;

  /** Adds a comment (Markdown) to the pull request's conversation. */
  commentOnPullRequest(number: number, body: string): Promise<PullRequestComment>;
}
