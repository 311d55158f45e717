/**
 * The operator's side of the spec repo: a work tree, commits, pushes over HTTP as the `operator` account, and the
 * signed push webhook a forge would send to `edgeplane serve` after each push.
 *
 * Everything is asynchronous: the git server and the service answer on this process's event loop.
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EdgeplaneError } from '../../errors/edgeplaneError.js';
import { pushRefs, type RemoteAuth } from '../../git/remote.js';
import { gitFailed, runGit } from '../../git/runGit.js';
import { hmacHex } from '../../serve/webhook.js';

/** Where the operator pushes, and where the webhook goes. */
export interface SpecPusherOptions {
  /** A folder for the work tree (created). */
  workDir: string;
  /** The spec repo's URL on the git server (no credentials). */
  repoUrl: string;
  auth: RemoteAuth;
  /** `owner/repo`, as the webhook payload names the repository. */
  fullName: string;
}

/** One push: the commit and when it reached the server (epoch ms). */
export interface Pushed {
  commit: string;
  message: string;
  pushedAtMs: number;
  /** The commit main had before (null: the push created it). */
  before: string | null;
}

/** Commits and pushes the operator's changes to `main`. */
export class SpecPusher {
  readonly #options: SpecPusherOptions;
  readonly #gitdir: string;
  #webhook: { url: string; secret: string } | undefined;
  /** Delivered webhooks that the service did not accept, in order: a scenario reports them. */
  readonly webhookFailures: string[] = [];

  private constructor(options: SpecPusherOptions) {
    this.#options = options;
    this.#gitdir = path.join(options.workDir, '.git');
  }

  /** A new, empty work tree on branch `main`. */
  static async create(options: SpecPusherOptions): Promise<SpecPusher> {
    fs.mkdirSync(options.workDir, { recursive: true });
    const init = await runGit({ args: ['init', '--quiet', '--initial-branch=main', options.workDir] });
    if (init.code !== 0) throw gitFailed(`git init ${options.workDir}`, init);
    return new SpecPusher(options);
  }

  /** From now on every push is followed by a signed GitHub push webhook to `url`. */
  deliverWebhooksTo(url: string, secret: string): void {
    this.#webhook = { url, secret };
  }

  /** The file's text in the work tree, or undefined when it does not exist. */
  read(file: string): string | undefined {
    const target = path.join(this.#options.workDir, file);
    return fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : undefined;
  }

  /**
   * Writes `files` (null deletes), commits them with `message` and pushes `main`; then delivers the webhook.
   * Throws GIT_FAILED when the commit or the push fails (the push is fast-forward only: nobody else writes main).
   */
  async push(files: Readonly<Record<string, string | null>>, message: string): Promise<Pushed> {
    const work = this.#options.workDir;
    for (const [file, text] of Object.entries(files)) {
      const target = path.join(work, file);
      if (text === null) fs.rmSync(target, { force: true });
      else {
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, text);
      }
    }
    await this.#git(['add', '--all'], 'git add');
    await this.#git(['commit', '--quiet', '--allow-empty', '--message', message], 'git commit');
    const commit = (await this.#git(['rev-parse', 'HEAD'], 'git rev-parse')).trim();
    const before = await this.#remoteHead();
    const [result] = await pushRefs({ gitdir: this.#gitdir, url: this.#options.repoUrl, refs: ['refs/heads/main'], auth: this.#options.auth });
    if (result?.status !== 'ok' && result?.status !== 'up-to-date') {
      throw new EdgeplaneError('GIT_FAILED', `the operator's push of "${message}" failed: ${result?.message ?? 'no result'}`, { commit });
    }
    const pushedAtMs = Date.now();
    await this.#git(['update-ref', 'refs/remotes/origin/main', commit], 'git update-ref');
    const pushed = { commit, message, pushedAtMs, before };
    if (this.#webhook) await this.#deliver(this.#webhook, before, commit);
    return pushed;
  }

  /** Delivers the webhook of an earlier push (one made before `deliverWebhooksTo`). */
  async notify(pushed: Pushed): Promise<void> {
    if (this.#webhook) await this.#deliver(this.#webhook, pushed.before, pushed.commit);
  }

  /** Signs and posts a GitHub `push` event, as a forge does after a push. */
  async #deliver(webhook: { url: string; secret: string }, before: string | null, after: string): Promise<void> {
    const url = this.#options.repoUrl;
    const body = JSON.stringify({
      ref: 'refs/heads/main',
      before: before ?? '0'.repeat(40),
      after,
      created: before === null,
      deleted: false,
      forced: false,
      repository: { full_name: this.#options.fullName, clone_url: url, html_url: url.replace(/\.git$/, '') },
      pusher: { name: this.#options.auth.username, email: `${this.#options.auth.username}@groundstations.example` },
      commits: [],
      head_commit: null,
    });
    try {
      const response = await fetch(webhook.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'push',
          'x-github-delivery': randomUUID(),
          'x-hub-signature-256': `sha256=${hmacHex(webhook.secret, body)}`,
          'user-agent': 'GitHub-Hookshot/edgeplane-scenario',
        },
        body,
      });
      const text = await response.text();
      if (response.status !== 202) this.webhookFailures.push(`push ${after.slice(0, 12)}: webhook answered ${response.status} ${text.trim()}`);
    } catch (error) {
      this.webhookFailures.push(`push ${after.slice(0, 12)}: webhook not delivered: ${(error as Error).message}`);
    }
  }

  async #remoteHead(): Promise<string | null> {
    const result = await runGit({ gitdir: this.#gitdir, args: ['rev-parse', '--verify', '--quiet', 'refs/remotes/origin/main'] });
    return result.code === 0 ? result.stdout.toString('utf8').trim() : null;
  }

  async #git(args: string[], what: string): Promise<string> {
    const result = await runGit({
      gitdir: this.#gitdir,
      args: [`--work-tree=${this.#options.workDir}`, ...args],
      env: {
        GIT_AUTHOR_NAME: 'Ground Segment Operator',
        GIT_AUTHOR_EMAIL: 'operator@groundstations.example',
        GIT_COMMITTER_NAME: 'Ground Segment Operator',
        GIT_COMMITTER_EMAIL: 'operator@groundstations.example',
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_CONFIG_GLOBAL: '/dev/null',
      },
    });
    if (result.code !== 0) throw gitFailed(what, result);
    return result.stdout.toString('utf8');
  }
}
