/**
 * Runs the system `git` binary: spawned directly (never through a shell), arguments as an array, stdin and
 * stdout as bytes, a clean environment. Secrets travel only in `env` and are scrubbed from anything we report.
 */
import { spawn } from 'node:child_process';
import { EdgeplaneError } from '../errors/edgeplaneError.js';

/** What to run. */
export interface GitCommand {
  /** The repository (`--git-dir`); omitted for commands that need none. */
  gitdir?: string;
  args: readonly string[];
  /** Bytes written to git's stdin, which is then closed. Default: empty stdin. */
  stdin?: Buffer | string;
  /** Added to the environment, e.g. `GIT_CONFIG_*` carrying credentials. */
  env?: Record<string, string>;
  /** Strings to replace with `***` in anything reported (stderr in errors). */
  secrets?: readonly string[];
}

/** What git did. A non-zero `code` is not an error here: callers decide what it means. */
export interface GitResult {
  code: number;
  stdout: Buffer;
  /** Scrubbed of `secrets`. */
  stderr: string;
}

/**
 * Variables that would point git at another repository or object store than `gitdir`. They are set when edgeplane
 * runs inside a Git hook (e.g. a post-receive hook that triggers a reconcile), so they are removed.
 */
const INHERITED_GIT_VARIABLES = [
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_INDEX_FILE',
  'GIT_OBJECT_DIRECTORY',
  'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_QUARANTINE_PATH',
  'GIT_COMMON_DIR',
  'GIT_NAMESPACE',
  'GIT_PREFIX',
];

/** Runs git and collects its output. Rejects only when git cannot be started. */
export function runGit(command: GitCommand): Promise<GitResult> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of INHERITED_GIT_VARIABLES) delete env[name];
  // C locale: messages we match on are stable. No prompt: a missing credential fails instead of hanging.
  Object.assign(env, { LC_ALL: 'C', LANGUAGE: 'C', GIT_TERMINAL_PROMPT: '0' }, command.env);
  // gc.autoDetach=false: an automatic gc after a fetch or push runs before git exits, never in the background,
  // where it would delete packs a long-running edgeplane (serve, agent) is still reading.
  const base = ['-c', 'gc.autoDetach=false'];
  const args = command.gitdir === undefined ? [...base, ...command.args] : [...base, `--git-dir=${command.gitdir}`, ...command.args];

  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { env, stdio: ['pipe', 'pipe', 'pipe'], shell: false });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    // git may exit before reading all of stdin (e.g. a fatal error); that EPIPE is reported through the exit code.
    child.stdin.on('error', () => undefined);
    child.on('error', (error) => {
      const message = `could not run git ${command.args[0] ?? ''}: ${error.message}`;
      reject(new EdgeplaneError('GIT_FAILED', message, { command: command.args[0] }, { cause: error }));
    });
    child.on('close', (code, signal) => {
      resolve({
        code: code ?? (signal === null ? 1 : 128),
        stdout: Buffer.concat(out),
        stderr: scrub(Buffer.concat(err).toString('utf8'), command.secrets ?? []),
      });
    });
    child.stdin.end(command.stdin ?? '');
  });
}

/**
 * Replaces every secret, and any `user:password@` in a URL, with `***`. Secrets shorter than 4 characters are
 * left alone: replacing every `a` of a message would destroy it and protect nothing.
 */
export function scrub(text: string, secrets: readonly string[]): string {
  let result = text.replace(/(\/\/)[^/@\s]*:[^/@\s]*@/g, '$1***@');
  for (const secret of secrets) {
    if (secret.length >= 4) result = result.split(secret).join('***');
  }
  return result;
}

/** A GIT_FAILED error for a git command that exited non-zero, quoting the end of its (scrubbed) stderr. */
export function gitFailed(what: string, result: GitResult, data: Record<string, unknown> = {}): EdgeplaneError {
  const detail = lastLines(result.stderr, 5);
  const message = `${what} failed (git exit ${result.code})${detail === '' ? '' : `: ${detail}`}`;
  return new EdgeplaneError('GIT_FAILED', message, {
    ...data,
    exitCode: result.code,
    stderr: lastLines(result.stderr, 20),
  });
}

function lastLines(text: string, n: number): string {
  return text.trim().split('\n').slice(-n).join('\n');
}
