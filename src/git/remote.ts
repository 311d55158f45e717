/**
 * Pushing and fetching many refs. The fast path is the system `git`: one `git push --porcelain` per chunk of refs
 * (one connection, one pack for thousands of branches), fast-forward only. `pushRefsIsoGit` is the plain path,
 * one isomorphic-git push per ref, kept as the benchmark's anchor.
 *
 * Credentials never reach argv or messages: they travel as an `http.<url>.extraHeader` in git's environment
 * config (`GIT_CONFIG_COUNT` / `GIT_CONFIG_KEY_n` / `GIT_CONFIG_VALUE_n`), and every message is scrubbed of them.
 */
import * as fs from 'node:fs';
import git from 'isomorphic-git';
import http from 'isomorphic-git/http/node';
import { EdgeplaneError } from '../errors/edgeplaneError.js';
import { assertRefName } from './refName.js';
import { listRefs } from './refs.js';
import { gitFailed, runGit, scrub, type GitResult } from './runGit.js';

/** HTTP(S) credentials: a user name and a token or password. Sent as HTTP Basic authentication. */
export interface RemoteAuth {
  username: string;
  token: string;
}

/** Arguments of `pushRefs` and `pushRefsIsoGit`. */
export interface PushRefsOptions {
  gitdir: string;
  /** Remote URL (`https://…`, `http://…`) or path. Must not embed credentials: use `auth`. */
  url: string;
  /** Full local ref names, each pushed to the same name at the remote. */
  refs: readonly string[];
  auth?: RemoteAuth;
  /**
   * Most refs named per `git push`. Default 2000; the argv byte budget may make chunks smaller. Many refs of one
   * folder go in one call as its glob instead (see `globPush`).
   */
  refsPerCall?: number;
}

/** What happened to one ref. */
export interface PushRefResult {
  ref: string;
  /**
   * `ok`: the remote ref now has our value. `up-to-date`: it already had. `rejected`: not a fast-forward (someone
   * else pushed): fetch, rebase, retry. `error`: anything else (remote hook refused, connection failed, …).
   */
  status: 'ok' | 'up-to-date' | 'rejected' | 'error';
  /** Git's summary, e.g. `[new branch]`, `a1b2c3..d4e5f6`, `[rejected] (non-fast-forward)`. No credentials. */
  message: string;
}

/** Arguments of `fetchRefs`. */
export interface FetchRefsOptions {
  gitdir: string;
  url: string;
  /** Refspecs as `git fetch` takes them, e.g. `+refs/heads/edgeplane/*:refs/remotes/output/edgeplane/*`. */
  refspecs: readonly string[];
  auth?: RemoteAuth;
  /** Most refspecs per `git fetch`. Default 2000; the argv byte budget may make chunks smaller. */
  refspecsPerCall?: number;
  /** Also delete local refs matching the refspecs' destinations that the remote no longer has. */
  prune?: boolean;
  /**
   * Local refs (each must exist) whose history alone is offered to the server as what this repository has
   * (`--negotiation-tip`). Without it git offers every local ref, and commits it made itself (an agent's report
   * branch) make the negotiation longer and the pack no smaller.
   */
  negotiationTips?: readonly string[];
}

/** Bytes of refspecs per git call: far below Linux's 2 MiB ARG_MAX, and below Windows' 32 KiB command line. */
const ARGV_BUDGET = process.platform === 'win32' ? 24 * 1024 : 256 * 1024;

/**
 * Pushes every ref in `refs` to the same name at `url`, fast-forward only (never forced), in as few
 * `git push --porcelain` calls as the command line allows. Returns one result per distinct ref, in input order.
 * Throws AUTH when the remote refuses the credentials; other failures of a call mark its refs `error`.
 */
export async function pushRefs(options: PushRefsOptions): Promise<PushRefResult[]> {
  const refs = [...new Set(options.refs)];
  refs.forEach(assertRefName);
  const transport = transportFor(options.url, options.auth);
  const results = new Map<string, PushRefResult>();
  const glob = await globPush(options.gitdir, refs);
  const calls = glob ? [glob] : chunked(refs, options.refsPerCall ?? 2000, (ref) => 2 * ref.length + 2).map((chunk) => ({ chunk, refspecs: chunk.map((ref) => `${ref}:${ref}`) }));
  for (const { chunk, refspecs } of calls) {
    const result = await runGit({
      gitdir: options.gitdir,
      args: [...['push', '--porcelain', '--no-verify', '--no-follow-tags', '--end-of-options', options.url], ...refspecs],
      env: transport.env,
      secrets: transport.secrets,
    });
    throwIfAuthFailed(result, options.url);
    for (const line of result.stdout.toString('utf8').split('\n')) {
      const parsed = parsePorcelainLine(line);
      if (parsed !== null && !results.has(parsed.ref)) results.set(parsed.ref, parsed);
    }
    const missing = chunk.filter((ref) => !results.has(ref));
    if (missing.length > 0) {
      const failure = gitFailed(`git push to ${redactUrl(options.url)}`, result).message;
      for (const ref of missing) results.set(ref, { ref, status: 'error', message: failure });
    }
  }
  return refs.map((ref) => results.get(ref)!);
}

/** Fewer refs than this are always pushed by name. */
const GLOB_MIN_REFS = 256;

/**
 * Many refs are pushed as their folder's glob, less the refs of that folder not to push (negative refspecs, git
 * 2.29+): `refs/heads/edgeplane/*:refs/heads/edgeplane/*` `^refs/heads/edgeplane/unchanged`. git matches each
 * refspec given by name against every local ref, formatting each ref's rev-parse spellings as it goes, in the push
 * and again in its send-pack: 2,000 named refs among 10,000 local ones took ~30 s where the glob takes well under
 * one. Only when every ref to push exists locally and the refs left out are fewer than those pushed.
 */
async function globPush(gitdir: string, refs: readonly string[]): Promise<{ chunk: string[]; refspecs: string[] } | undefined> {
  if (refs.length < GLOB_MIN_REFS) return undefined;
  const first = refs[0]!;
  let prefix = first.slice(0, first.lastIndexOf('/') + 1);
  for (const ref of refs) while (!ref.startsWith(prefix)) prefix = prefix.slice(0, prefix.lastIndexOf('/', prefix.length - 2) + 1);
  // A glob over refs/ or refs/heads/ would sweep in what is not ours to push.
  if (prefix.split('/').length < 4) return undefined;
  const local = await listRefs(gitdir, prefix);
  const wanted = new Set(refs);
  if (refs.some((ref) => !local.has(ref))) return undefined;
  const excluded = [...local.keys()].filter((ref) => !wanted.has(ref));
  const bytes = excluded.reduce((sum, ref) => sum + ref.length + 2, 0);
  if (excluded.length >= refs.length || bytes > ARGV_BUDGET) return undefined;
  return { chunk: [...refs], refspecs: [`${prefix}*:${prefix}*`, ...excluded.map((ref) => `^${ref}`)] };
}

/** `<flag>\t<from>:<to>\t<summary>`; see git-push(1), OUTPUT. */
function parsePorcelainLine(line: string): PushRefResult | null {
  const match = /^([ +\-*=!])\t[^\t]*:([^\t]+)\t(.*)$/.exec(line);
  if (match === null) return null;
  const [, flag, ref, message] = match as unknown as [string, string, string, string];
  switch (flag) {
    case '=':
      return { ref, status: 'up-to-date', message };
    case '!':
      return { ref, status: message.startsWith('[rejected]') ? 'rejected' : 'error', message };
    default:
      return { ref, status: 'ok', message };
  }
}

/**
 * Fetches `refspecs` from `url` into `gitdir` (`git fetch --no-tags`), chunked like `pushRefs`. Resolves when every
 * chunk succeeded; throws AUTH on refused credentials and GIT_FAILED otherwise (e.g. a non-forced refspec whose
 * update is not a fast-forward, or an exact refspec the remote lacks).
 */
export async function fetchRefs(options: FetchRefsOptions): Promise<void> {
  const refspecs = [...new Set(options.refspecs)];
  for (const refspec of refspecs) {
    if (refspec === '' || refspec.startsWith('-') || /[\s\0]/.test(refspec)) {
      throw new EdgeplaneError('BAD_ARGUMENT', `${JSON.stringify(refspec)} is not a refspec`, { refspec });
    }
  }
  const transport = transportFor(options.url, options.auth);
  for (const chunk of chunked(refspecs, options.refspecsPerCall ?? 2000, (spec) => spec.length + 1)) {
    const result = await runGit({
      gitdir: options.gitdir,
      args: [
        ...['fetch', '--no-tags', '--no-write-fetch-head', '--no-recurse-submodules', ...(options.prune ? ['--prune'] : [])],
        ...(options.negotiationTips ?? []).map((ref) => `--negotiation-tip=${ref}`),
        ...['--end-of-options', options.url],
        ...chunk,
      ],
      env: transport.env,
      secrets: transport.secrets,
    });
    throwIfAuthFailed(result, options.url);
    if (result.code !== 0) {
      throw gitFailed(`git fetch from ${redactUrl(options.url)}`, result, { url: redactUrl(options.url) });
    }
  }
}

/**
 * The plain path: one isomorphic-git `push` per ref, over isomorphic-git's Node HTTP client (http(s) URLs only).
 * Same results as `pushRefs`, except that an unchanged ref reports `ok`.
 */
export async function pushRefsIsoGit(options: PushRefsOptions): Promise<PushRefResult[]> {
  const refs = [...new Set(options.refs)];
  refs.forEach(assertRefName);
  transportFor(options.url, options.auth);
  const auth = options.auth;
  const secrets = auth === undefined ? [] : secretsOf(auth);
  const results: PushRefResult[] = [];
  for (const ref of refs) {
    try {
      const pushed = await git.push({
        fs,
        http,
        gitdir: options.gitdir,
        url: options.url,
        ref,
        remoteRef: ref,
        ...(auth === undefined ? {} : { onAuth: () => ({ username: auth.username, password: auth.token }) }),
        onAuthFailure: () => ({ cancel: true }),
      });
      const status = pushed.refs[ref];
      results.push(
        status?.ok === true
          ? { ref, status: 'ok', message: 'pushed' }
          : { ref, status: 'error', message: scrub(status?.error ?? pushed.error ?? 'no status from remote', secrets) },
      );
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      const message = scrub(error instanceof Error ? error.message : String(error), secrets);
      if (code === 'UserCanceledError' || (code === 'HttpError' && /\b40[13]\b/.test(message))) {
        throw new EdgeplaneError('AUTH', `${redactUrl(options.url)} refused the credentials (isomorphic-git push)`, {
          url: redactUrl(options.url),
        });
      }
      results.push({ ref, status: code === 'PushRejectedError' ? 'rejected' : 'error', message });
    }
  }
  return results;
}

interface Transport {
  env: Record<string, string>;
  secrets: string[];
}

/**
 * Checks the URL carries no credentials and builds the environment that passes `auth` to git: an extra
 * `Authorization: Basic …` header scoped to this URL (not to other remotes git may
 * contact), appended after any `GIT_CONFIG_*` entries already set.
 */
function transportFor(url: string, auth: RemoteAuth | undefined): Transport {
  if (url.startsWith('-') || hasPassword(url) || /[\s\0]/.test(url)) {
    throw new EdgeplaneError(
      'BAD_ARGUMENT',
      `remote URL ${redactUrl(url)} must not contain credentials, whitespace or start with '-'; pass credentials as auth`,
      { url: redactUrl(url) },
    );
  }
  // Never let git ask: a terminal prompt would hang the reconcile, an askpass helper might show a dialog.
  const env: Record<string, string> = { GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: '' };
  if (auth === undefined) return { env, secrets: [] };
  if (auth.username.includes(':') || /[\n\0]/.test(auth.username + auth.token)) {
    const message = 'auth.username must not contain ":" and neither field may contain a line break';
    throw new EdgeplaneError('BAD_ARGUMENT', message, {});
  }
  const existing = Number.parseInt(process.env.GIT_CONFIG_COUNT ?? '0', 10);
  const n = Number.isSafeInteger(existing) && existing > 0 ? existing : 0;
  const basic = Buffer.from(`${auth.username}:${auth.token}`, 'utf8').toString('base64');
  env.GIT_CONFIG_COUNT = String(n + 2);
  env[`GIT_CONFIG_KEY_${n}`] = `http.${url}.extraHeader`;
  env[`GIT_CONFIG_VALUE_${n}`] = `Authorization: Basic ${basic}`;
  // An empty helper resets the list: a refused token fails as AUTH instead of falling back to whatever
  // identity a machine-wide credential helper holds.
  env[`GIT_CONFIG_KEY_${n + 1}`] = 'credential.helper';
  env[`GIT_CONFIG_VALUE_${n + 1}`] = '';
  return { env, secrets: secretsOf(auth) };
}

function secretsOf(auth: RemoteAuth): string[] {
  return [auth.token, Buffer.from(`${auth.username}:${auth.token}`, 'utf8').toString('base64')];
}

const AUTH_FAILURE = new RegExp(
  [
    'Authentication failed',
    'could not read (Username|Password)',
    'terminal prompts disabled',
    'returned error: 40[13]',
    'HTTP Basic: Access denied',
  ].join('|'),
  'i',
);

function throwIfAuthFailed(result: GitResult, url: string): void {
  if (result.code !== 0 && AUTH_FAILURE.test(result.stderr)) {
    throw new EdgeplaneError('AUTH', `${redactUrl(url)} refused the credentials (or none were given)`, {
      url: redactUrl(url),
      stderr: result.stderr.trim().split('\n').slice(-5).join('\n'),
    });
  }
}

/** `scheme://user:secret@…`, also when the secret holds characters a URL parser would stop at. */
function hasPassword(url: string): boolean {
  const authority = /^[a-z][a-z0-9+.-]*:\/\/(.*)@/i.exec(url);
  if (authority !== null && authority[1]!.includes(':')) return true;
  try {
    return new URL(url).password !== '';
  } catch {
    return false;
  }
}

/** The URL with anything between `scheme://` and the last `@` replaced by `***`. */
function redactUrl(url: string): string {
  return scrub(url, []).replace(/^([a-z][a-z0-9+.-]*:\/\/)\S*@/i, '$1***@');
}

/** Splits `items` into runs of at most `max` items and `ARGV_BUDGET` bytes (as measured by `size`). */
function chunked<T>(items: readonly T[], max: number, size: (item: T) => number): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const itemBytes = size(item);
    if (current.length > 0 && (current.length >= max || bytes + itemBytes > ARGV_BUDGET)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += itemBytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
