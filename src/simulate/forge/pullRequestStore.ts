/**
 * The simulated forge's pull requests, kept in memory over a real bare repository: branches are read from it (so
 * what a client pushes over git is what a pull request shows), and merges are written into it with the git CLI the
 * way GitHub writes them: a merge commit (`merge`), one new commit on the base (`squash`), or a fast-forward
 * (`rebase`, when the base has not moved). Every git call is asynchronous, because the git server clients push
 * through may run in the same process (a demo's, a test's).
 */
import { refNameProblem } from '../../git/refName.js';
import { runGit } from '../../git/runGit.js';

/** How a pull request is merged (GitHub's `merge_method`). */
export type MergeMethod = 'merge' | 'squash' | 'rebase';

/** A pull request as the simulated forge keeps it. */
export interface PullRecord {
  id: number;
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  user: string;
  head: string;
  base: string;
  /** Frozen when the pull request is closed or merged; while open, the live branch tip wins (see `view`). */
  headSha: string;
  baseSha: string;
  draft: boolean;
  maintainerCanModify: boolean;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  mergedAt: string | null;
  mergeCommitSha: string | null;
  mergedBy: string | null;
  comments: CommentRecord[];
}

/** A comment on a pull request's conversation. */
export interface CommentRecord {
  id: number;
  issueNumber: number;
  body: string;
  user: string;
  createdAt: string;
}

/** What a pull request looks like right now, with the numbers GitHub computes. */
export interface PullView extends PullRecord {
  mergeable: boolean | null;
  rebaseable: boolean | null;
  mergeableState: string;
  commits: number;
  additions: number;
  deletions: number;
  changedFiles: number;
}

/** A refusal the API answers with `status` and a GitHub-shaped body. */
export class ForgeRefusal extends Error {
  readonly status: number;
  readonly errors: Record<string, unknown>[];

  constructor(status: number, message: string, errors: Record<string, unknown>[] = []) {
    super(message);
    this.status = status;
    this.errors = errors;
  }
}

/** GitHub's limit on pull request and comment bodies. */
const MAX_BODY = 65536;

/** Arguments of `PullRequestStore.create`. */
export interface CreatePull {
  head: string;
  base: string;
  title: string;
  body: string | null;
  draft: boolean;
  maintainerCanModify: boolean;
  user: string;
  /** `github` answers a duplicate with 422, `gitea` with 409. */
  duplicateStatus: 422 | 409;
}

/** Pull requests of one repository, backed by the bare repository `gitdir`. */
export class PullRequestStore {
  readonly #gitdir: string;
  readonly #owner: string;
  readonly #pulls = new Map<number, PullRecord>();
  #nextNumber = 1;
  #nextCommentId = 1_700_000_001;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(gitdir: string, owner: string) {
    this.#gitdir = gitdir;
    this.#owner = owner;
  }

  /** Every pull request, oldest first. */
  all(): PullRecord[] {
    return [...this.#pulls.values()];
  }

  /** The pull request numbered `number`, or undefined. */
  get(number: number): PullRecord | undefined {
    return this.#pulls.get(number);
  }

  /** How many pull requests are open (GitHub counts them in `open_issues`). */
  get openCount(): number {
    return this.all().filter((pr) => pr.state === 'open').length;
  }

  /** Opens a pull request after GitHub's checks: both branches exist, no duplicate, something to merge. */
  create(request: CreatePull): Promise<PullRecord> {
    return this.#serially(async () => {
      checkBody(request.body);
      const head = this.#ownBranch(request.head, 'head');
      const base = this.#ownBranch(request.base, 'base');
      const headSha = await this.#tip(head);
      const baseSha = await this.#tip(base);
      if (headSha === null) throw invalid('head', `head branch ${head} does not exist`);
      if (baseSha === null) throw invalid('base', `base branch ${base} does not exist`);
      const duplicate = this.all().find((pr) => pr.state === 'open' && pr.head === head && pr.base === base);
      if (duplicate !== undefined) {
        if (request.duplicateStatus === 409) {
          throw new ForgeRefusal(409, `pull request already exists for these targets [id: ${duplicate.id}, issue_id: ${duplicate.number}, head_branch: ${head}, base_branch: ${base}]`);
        }
        throw new ForgeRefusal(422, 'Validation Failed', [
          { resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${this.#owner}:${head}.` },
        ]);
      }
      if (await this.#isAncestor(headSha, baseSha)) {
        throw new ForgeRefusal(422, 'Validation Failed', [
          { resource: 'PullRequest', code: 'custom', message: `No commits between ${base} and ${head}` },
        ]);
      }
      const now = timestamp();
      const number = this.#nextNumber++;
      const record: PullRecord = {
        id: 2_000_000_000 + number,
        number,
        title: request.title,
        body: request.body,
        state: 'open',
        user: request.user,
        head,
        base,
        headSha,
        baseSha,
        draft: request.draft,
        maintainerCanModify: request.maintainerCanModify,
        createdAt: now,
        updatedAt: now,
        closedAt: null,
        mergedAt: null,
        mergeCommitSha: null,
        mergedBy: null,
        comments: [],
      };
      this.#pulls.set(number, record);
      return record;
    });
  }

  /** Title, body, state (close or reopen) and base changes, as `PATCH /pulls/{n}` makes them. */
  update(number: number, changes: { title?: string; body?: string; state?: 'open' | 'closed'; base?: string }): Promise<PullRecord> {
    return this.#serially(async () => {
      const pr = this.#existing(number);
      if (changes.body !== undefined) checkBody(changes.body);
      if (changes.base !== undefined) {
        const base = this.#ownBranch(changes.base, 'base');
        if ((await this.#tip(base)) === null) throw invalid('base', `base branch ${base} does not exist`);
        pr.base = base;
      }
      if (changes.title !== undefined) pr.title = changes.title;
      if (changes.body !== undefined) pr.body = changes.body;
      if (changes.state === 'closed' && pr.state === 'open') await this.#freeze(pr, null);
      if (changes.state === 'open' && pr.state === 'closed') {
        if (pr.mergedAt !== null) throw new ForgeRefusal(422, 'Validation Failed', [{ resource: 'PullRequest', field: 'state', code: 'invalid', message: 'state cannot be changed. The pull request has been merged.' }]);
        pr.state = 'open';
        pr.closedAt = null;
      }
      pr.updatedAt = timestamp();
      return pr;
    });
  }

  /** Closes without merging. */
  close(number: number): Promise<PullRecord> {
    return this.update(number, { state: 'closed' });
  }

  /**
   * Merges into the base branch of the bare repository and returns the commit the base now points at. Refuses
   * (405) a closed pull request, a conflict, or a `rebase` the base has moved past; 409 when `sha` is given and
   * the head has moved.
   */
  merge(number: number, options: { method: MergeMethod; by: string; sha?: string; commitTitle?: string; commitMessage?: string }): Promise<string> {
    return this.#serially(async () => {
      const pr = this.#existing(number);
      if (pr.state !== 'open') throw new ForgeRefusal(405, 'Pull Request is not mergeable');
      const headSha = (await this.#tip(pr.head)) ?? pr.headSha;
      const baseSha = await this.#tip(pr.base);
      if (baseSha === null) throw new ForgeRefusal(405, `Base branch ${pr.base} was deleted`);
      if (options.sha !== undefined && options.sha !== headSha) {
        throw new ForgeRefusal(409, 'Head branch was modified. Review and try the merge again.');
      }
      let result: string;
      if (options.method === 'rebase') {
        if (!(await this.#isAncestor(baseSha, headSha))) throw new ForgeRefusal(405, 'This branch can\'t be rebased');
        result = headSha;
      } else {
        const tree = await this.#mergeTree(baseSha, headSha);
        if (tree === null) throw new ForgeRefusal(405, 'Merge conflict');
        const title =
          options.commitTitle ??
          (options.method === 'merge' ? `Merge pull request #${pr.number} from ${this.#owner}/${pr.head}` : `${pr.title} (#${pr.number})`);
        const message = `${title}\n\n${options.commitMessage ?? pr.title}\n`;
        const parents = options.method === 'merge' ? [baseSha, headSha] : [baseSha];
        result = await this.#commitTree(tree, parents, message, options.by);
      }
      await this.#git(['update-ref', '-m', `merge pull request #${pr.number}`, `refs/heads/${pr.base}`, result, baseSha]);
      await this.#freeze(pr, { headSha, baseSha, mergeCommitSha: result, by: options.by });
      return result;
    });
  }

  /** Adds a comment to the pull request's conversation. */
  comment(number: number, body: string, user: string): CommentRecord {
    const pr = this.#existing(number);
    checkBody(body);
    const comment = { id: this.#nextCommentId++, issueNumber: number, body, user, createdAt: timestamp() };
    pr.comments.push(comment);
    return comment;
  }

  /** The pull request with live branch tips (while open) and GitHub's computed numbers. */
  async view(pr: PullRecord): Promise<PullView> {
    const open = pr.state === 'open';
    const headSha = open ? ((await this.#tip(pr.head)) ?? pr.headSha) : pr.headSha;
    const baseSha = open ? ((await this.#tip(pr.base)) ?? pr.baseSha) : pr.baseSha;
    const mergeable = open ? (await this.#mergeTree(baseSha, headSha)) !== null : null;
    const rebaseable = open ? await this.#isAncestor(baseSha, headSha) : null;
    const stats = await this.#stats(baseSha, headSha);
    return {
      ...pr,
      headSha,
      baseSha,
      mergeable,
      rebaseable,
      mergeableState: !open ? 'unknown' : mergeable ? 'clean' : 'dirty',
      ...stats,
    };
  }

  #existing(number: number): PullRecord {
    const pr = this.#pulls.get(number);
    if (pr === undefined) throw new ForgeRefusal(404, 'Not Found');
    return pr;
  }

  /** `owner:branch` or `branch` of this repository; forks are not served. */
  #ownBranch(name: string, field: 'head' | 'base'): string {
    const colon = name.indexOf(':');
    const owner = colon < 0 ? this.#owner : name.slice(0, colon);
    const branch = colon < 0 ? name : name.slice(colon + 1);
    if (owner.toLowerCase() !== this.#owner.toLowerCase()) throw invalid(field, `${field} ${name} is not a branch of this repository`);
    if (refNameProblem(`refs/heads/${branch}`) !== null) throw invalid(field, `${field} ${JSON.stringify(branch)} is not a branch name`);
    return branch;
  }

  async #freeze(pr: PullRecord, merge: { headSha: string; baseSha: string; mergeCommitSha: string; by: string } | null): Promise<void> {
    const now = timestamp();
    pr.headSha = merge?.headSha ?? (await this.#tip(pr.head)) ?? pr.headSha;
    pr.baseSha = merge?.baseSha ?? (await this.#tip(pr.base)) ?? pr.baseSha;
    pr.state = 'closed';
    pr.closedAt = now;
    pr.updatedAt = now;
    if (merge !== null) {
      pr.mergedAt = now;
      pr.mergeCommitSha = merge.mergeCommitSha;
      pr.mergedBy = merge.by;
    }
  }

  async #tip(branch: string): Promise<string | null> {
    const result = await this.#git(['rev-parse', '--verify', '--quiet', `refs/heads/${branch}^{commit}`], true);
    return result.code === 0 ? result.stdout.trim() : null;
  }

  async #isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    return (await this.#git(['merge-base', '--is-ancestor', ancestor, descendant], true)).code === 0;
  }

  /** The merged tree, or null on conflict. */
  async #mergeTree(base: string, head: string): Promise<string | null> {
    const result = await this.#git(['merge-tree', '--write-tree', '--no-messages', base, head], true);
    if (result.code === 1) return null;
    if (result.code !== 0) throw new Error(`git merge-tree failed: ${result.stderr}`);
    return result.stdout.split('\n')[0]!.trim();
  }

  async #commitTree(tree: string, parents: string[], message: string, by: string): Promise<string> {
    const args = ['commit-tree', tree, ...parents.flatMap((parent) => ['-p', parent])];
    const env = {
      GIT_AUTHOR_NAME: by,
      GIT_AUTHOR_EMAIL: `${by}@users.noreply.example.test`,
      GIT_COMMITTER_NAME: 'GitHub',
      GIT_COMMITTER_EMAIL: 'noreply@github.com',
    };
    return (await this.#git(args, false, message, env)).stdout.trim();
  }

  async #stats(base: string, head: string): Promise<{ commits: number; additions: number; deletions: number; changedFiles: number }> {
    const commits = Number((await this.#git(['rev-list', '--count', `${base}..${head}`])).stdout.trim());
    const numstat = (await this.#git(['diff', '--numstat', `${base}...${head}`])).stdout.split('\n').filter(Boolean);
    let additions = 0;
    let deletions = 0;
    for (const line of numstat) {
      const [added, deleted] = line.split('\t');
      additions += Number(added) || 0;
      deletions += Number(deleted) || 0;
    }
    return { commits, additions, deletions, changedFiles: numstat.length };
  }

  async #git(args: string[], allowFailure = false, stdin?: string, env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
    const result = await runGit({
      gitdir: this.#gitdir,
      args,
      ...(stdin === undefined ? {} : { stdin }),
      // The machine's and the user's git config stay out (commit signing, hooks paths, merge drivers).
      env: { GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', ...env },
    });
    const out = { code: result.code, stdout: result.stdout.toString('utf8'), stderr: result.stderr };
    if (!allowFailure && out.code !== 0) throw new Error(`git ${args[0]} failed (${out.code}): ${out.stderr}`);
    return out;
  }

  /** One mutation at a time, like a forge's per-repository lock. */
  #serially<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work, work);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}

function invalid(field: string, message: string): ForgeRefusal {
  return new ForgeRefusal(422, 'Validation Failed', [{ resource: 'PullRequest', field, code: 'invalid', message }]);
}

function checkBody(body: string | null): void {
  if (body !== null && [...body].length > MAX_BODY) {
    throw new ForgeRefusal(422, 'Validation Failed', [
      { resource: 'Issue', field: 'body', code: 'custom', message: `body is too long (maximum is ${MAX_BODY} characters)` },
    ]);
  }
}

/** GitHub's timestamps: UTC, whole seconds. */
function timestamp(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}
