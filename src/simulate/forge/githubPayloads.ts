/**
 * GitHub-shaped JSON for the simulated forge's answers: every field GitHub's OpenAPI description requires, with the
 * values GitHub would send (URLs built the way GitHub builds them, on the simulated server's own address).
 */
import type { PullRecord } from './pullRequestStore.js';

/** Where the simulated forge lives and which repository it serves. */
export interface PayloadContext {
  /** The REST API base the client uses, e.g. `http://127.0.0.1:4321` or `…/api/v1`. */
  apiUrl: string;
  /** Base of the web pages (`html_url`), e.g. `http://127.0.0.1:4321`. */
  webUrl: string;
  owner: string;
  repo: string;
  repoId: number;
  defaultBranch: string;
  createdAt: string;
}

/** A pull request as the simulated forge keeps it. */
export interface PullRequestPayloadInput extends Omit<PullRecord, 'comments'> {
  /** How many comments the conversation has. */
  comments: number;
}

/** What only the single-pull-request answer (`pull-request`, not `pull-request-simple`) carries. */
export interface PullRequestDetails {
  mergeable: boolean | null;
  rebaseable: boolean | null;
  mergeableState: string;
  commits: number;
  additions: number;
  deletions: number;
  changedFiles: number;
}

/** A comment as the simulated forge keeps it. */
export interface CommentPayloadInput {
  id: number;
  issueNumber: number;
  body: string;
  user: string;
  createdAt: string;
}

/** A `simple-user`. Ids are derived from the login, so the same login is always the same user. */
export function simpleUser(ctx: PayloadContext, login: string): Record<string, unknown> {
  const api = `${ctx.apiUrl}/users/${login}`;
  const id = userId(login);
  return {
    name: null,
    email: null,
    login,
    id,
    node_id: nodeId('U_kgDO', id),
    avatar_url: `${ctx.webUrl}/avatars/u/${id}?v=4`,
    gravatar_id: '',
    url: api,
    html_url: `${ctx.webUrl}/${login}`,
    followers_url: `${api}/followers`,
    following_url: `${api}/following{/other_user}`,
    gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/subscriptions`,
    organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`,
    events_url: `${api}/events{/privacy}`,
    received_events_url: `${api}/received_events`,
    type: 'User',
    user_view_type: 'public',
    site_admin: false,
  };
}

/** A `repository`: the served repository, as pull requests embed it under `head.repo` and `base.repo`. */
export function repository(ctx: PayloadContext, openIssues: number): Record<string, unknown> {
  const api = `${ctx.apiUrl}/repos/${ctx.owner}/${ctx.repo}`;
  const web = `${ctx.webUrl}/${ctx.owner}/${ctx.repo}`;
  const host = new URL(ctx.webUrl).host;
  return {
    id: ctx.repoId,
    node_id: nodeId('R_kgDO', ctx.repoId),
    name: ctx.repo,
    full_name: `${ctx.owner}/${ctx.repo}`,
    license: null,
    forks: 0,
    permissions: { admin: false, pull: true, triage: true, push: true, maintain: false },
    owner: simpleUser(ctx, ctx.owner),
    private: true,
    html_url: web,
    description: 'edgeplane spec repository (simulated forge)',
    fork: false,
    url: api,
    archive_url: `${api}/{archive_format}{/ref}`,
    assignees_url: `${api}/assignees{/user}`,
    blobs_url: `${api}/git/blobs{/sha}`,
    branches_url: `${api}/branches{/branch}`,
    collaborators_url: `${api}/collaborators{/collaborator}`,
    comments_url: `${api}/comments{/number}`,
    commits_url: `${api}/commits{/sha}`,
    compare_url: `${api}/compare/{base}...{head}`,
    contents_url: `${api}/contents/{+path}`,
    contributors_url: `${api}/contributors`,
    deployments_url: `${api}/deployments`,
    downloads_url: `${api}/downloads`,
    events_url: `${api}/events`,
    forks_url: `${api}/forks`,
    git_commits_url: `${api}/git/commits{/sha}`,
    git_refs_url: `${api}/git/refs{/sha}`,
    git_tags_url: `${api}/git/tags{/sha}`,
    git_url: `git://${host}/${ctx.owner}/${ctx.repo}.git`,
    issue_comment_url: `${api}/issues/comments{/number}`,
    issue_events_url: `${api}/issues/events{/number}`,
    issues_url: `${api}/issues{/number}`,
    keys_url: `${api}/keys{/key_id}`,
    labels_url: `${api}/labels{/name}`,
    languages_url: `${api}/languages`,
    merges_url: `${api}/merges`,
    milestones_url: `${api}/milestones{/number}`,
    notifications_url: `${api}/notifications{?since,all,participating}`,
    pulls_url: `${api}/pulls{/number}`,
    releases_url: `${api}/releases{/id}`,
    ssh_url: `git@${host}:${ctx.owner}/${ctx.repo}.git`,
    stargazers_url: `${api}/stargazers`,
    statuses_url: `${api}/statuses/{sha}`,
    subscribers_url: `${api}/subscribers`,
    subscription_url: `${api}/subscription`,
    tags_url: `${api}/tags`,
    teams_url: `${api}/teams`,
    trees_url: `${api}/git/trees{/sha}`,
    clone_url: `${web}.git`,
    mirror_url: null,
    hooks_url: `${api}/hooks`,
    svn_url: web,
    homepage: null,
    language: null,
    forks_count: 0,
    stargazers_count: 0,
    watchers_count: 0,
    size: 0,
    default_branch: ctx.defaultBranch,
    open_issues_count: openIssues,
    is_template: false,
    topics: [],
    has_issues: true,
    has_projects: false,
    has_wiki: false,
    has_pages: false,
    has_downloads: true,
    has_discussions: false,
    archived: false,
    disabled: false,
    visibility: 'private',
    pushed_at: ctx.createdAt,
    created_at: ctx.createdAt,
    updated_at: ctx.createdAt,
    allow_forking: false,
    web_commit_signoff_required: false,
    open_issues: openIssues,
    watchers: 0,
  };
}

/** A `pull-request-simple` (list answers). */
export function pullRequestSimple(ctx: PayloadContext, pr: PullRequestPayloadInput, openIssues: number): Record<string, unknown> {
  const api = `${ctx.apiUrl}/repos/${ctx.owner}/${ctx.repo}`;
  const web = `${ctx.webUrl}/${ctx.owner}/${ctx.repo}`;
  const repo = repository(ctx, openIssues);
  const owner = simpleUser(ctx, ctx.owner);
  const links = {
    self: { href: `${api}/pulls/${pr.number}` },
    html: { href: `${web}/pull/${pr.number}` },
    issue: { href: `${api}/issues/${pr.number}` },
    comments: { href: `${api}/issues/${pr.number}/comments` },
    review_comments: { href: `${api}/pulls/${pr.number}/comments` },
    review_comment: { href: `${api}/pulls/comments{/number}` },
    commits: { href: `${api}/pulls/${pr.number}/commits` },
    statuses: { href: `${api}/statuses/${pr.headSha}` },
  };
  return {
    url: `${api}/pulls/${pr.number}`,
    id: pr.id,
    node_id: nodeId('PR_kwDO', pr.id),
    html_url: `${web}/pull/${pr.number}`,
    diff_url: `${web}/pull/${pr.number}.diff`,
    patch_url: `${web}/pull/${pr.number}.patch`,
    issue_url: `${api}/issues/${pr.number}`,
    commits_url: `${api}/pulls/${pr.number}/commits`,
    review_comments_url: `${api}/pulls/${pr.number}/comments`,
    review_comment_url: `${api}/pulls/comments{/number}`,
    comments_url: `${api}/issues/${pr.number}/comments`,
    statuses_url: `${api}/statuses/${pr.headSha}`,
    number: pr.number,
    state: pr.state,
    locked: false,
    title: pr.title,
    user: simpleUser(ctx, pr.user),
    body: pr.body,
    labels: [],
    milestone: null,
    active_lock_reason: null,
    created_at: pr.createdAt,
    updated_at: pr.updatedAt,
    closed_at: pr.closedAt,
    merged_at: pr.mergedAt,
    merge_commit_sha: pr.mergeCommitSha,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    requested_teams: [],
    head: { label: `${ctx.owner}:${pr.head}`, ref: pr.head, sha: pr.headSha, user: owner, repo },
    base: { label: `${ctx.owner}:${pr.base}`, ref: pr.base, sha: pr.baseSha, user: owner, repo },
    _links: links,
    author_association: 'MEMBER',
    auto_merge: null,
    draft: pr.draft,
  };
}

/** A `pull-request` (single answers: get, create, update). */
export function pullRequest(
  ctx: PayloadContext,
  pr: PullRequestPayloadInput,
  details: PullRequestDetails,
  openIssues: number,
): Record<string, unknown> {
  return {
    ...pullRequestSimple(ctx, pr, openIssues),
    merged: pr.mergedAt !== null,
    mergeable: details.mergeable,
    rebaseable: details.rebaseable,
    mergeable_state: details.mergeableState,
    merged_by: pr.mergedBy === null ? null : simpleUser(ctx, pr.mergedBy),
    comments: pr.comments,
    review_comments: 0,
    maintainer_can_modify: pr.maintainerCanModify,
    commits: details.commits,
    additions: details.additions,
    deletions: details.deletions,
    changed_files: details.changedFiles,
  };
}

/** An `issue-comment`. */
export function issueComment(ctx: PayloadContext, comment: CommentPayloadInput): Record<string, unknown> {
  const api = `${ctx.apiUrl}/repos/${ctx.owner}/${ctx.repo}`;
  return {
    id: comment.id,
    node_id: nodeId('IC_kwDO', comment.id),
    url: `${api}/issues/comments/${comment.id}`,
    html_url: `${ctx.webUrl}/${ctx.owner}/${ctx.repo}/pull/${comment.issueNumber}#issuecomment-${comment.id}`,
    body: comment.body,
    user: simpleUser(ctx, comment.user),
    created_at: comment.createdAt,
    updated_at: comment.createdAt,
    issue_url: `${api}/issues/${comment.issueNumber}`,
    author_association: 'MEMBER',
    performed_via_github_app: null,
    reactions: {
      url: `${api}/issues/comments/${comment.id}/reactions`,
      total_count: 0,
      '+1': 0,
      '-1': 0,
      laugh: 0,
      hooray: 0,
      confused: 0,
      heart: 0,
      rocket: 0,
      eyes: 0,
    },
  };
}

/** GitHub's `basic-error`. */
export function basicError(message: string, status: number): Record<string, unknown> {
  return { message, documentation_url: 'https://docs.github.com/rest', status: String(status) };
}

/** GitHub's `validation-error` (422). */
export function validationError(message: string, errors: Record<string, unknown>[]): Record<string, unknown> {
  return { message, errors, documentation_url: 'https://docs.github.com/rest/pulls/pulls', status: '422' };
}

/** A stable positive id for a login (GitHub user ids are integers). */
function userId(login: string): number {
  let hash = 7;
  for (const char of login) hash = (hash * 31 + char.charCodeAt(0)) % 1_000_000;
  return 10_000_000 + hash;
}

function nodeId(prefix: string, id: number): string {
  return `${prefix}${Buffer.from(String(id)).toString('base64url')}`;
}
