import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const execFileAsync = promisify(execFile);

/** The project's root folder (tests run from dist/test/...). */
export const ROOT = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
})();

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Spec Author',
  GIT_AUTHOR_EMAIL: 'author@example.org',
  GIT_COMMITTER_NAME: 'Spec Author',
  GIT_COMMITTER_EMAIL: 'author@example.org',
  GIT_CONFIG_NOSYSTEM: '1',
  // Fixed dates: the same fixture gives the same spec commit ids, so output is comparable across runs.
  GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z',
  GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z',
};

/** Runs the real git CLI and returns its stdout. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
}

/**
 * The git CLI without blocking the event loop: needed whenever the other side is a server running in this
 * same process (test/support/gitServer.ts), which a synchronous child would starve.
 */
export async function gitAsync(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await execFileAsync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return stdout;
}

const made: string[] = [];
process.on('exit', () => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

/** A temporary folder, removed when the test process exits. */
export function tempDir(prefix = 'edgeplane-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Copies a folder of files. */
export function copyTree(from: string, to: string): void {
  fs.cpSync(from, to, { recursive: true });
}

/** A spec repo in a temp folder: a copy of `fixture` (a folder under fixtures/), committed on main. */
export function specRepoFrom(fixture: string): string {
  const dir = tempDir();
  copyTree(path.join(ROOT, 'fixtures', fixture), dir);
  git(dir, 'init', '-q', '-b', 'main');
  return commitAll(dir, 'spec');
}

/** Writes files (path → text; null deletes) into a repo and commits them. */
export function changeSpec(dir: string, files: Record<string, string | null>, message = 'change'): string {
  for (const [file, text] of Object.entries(files)) {
    const target = path.join(dir, file);
    if (text === null) fs.rmSync(target, { force: true });
    else {
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, text);
    }
  }
  return commitAll(dir, message);
}

function commitAll(dir: string, message: string): string {
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '--allow-empty', '-m', message);
  return dir;
}

/** Branch name → commit id for refs under `prefix` (e.g. `refs/heads/edgeplane/`). */
export function refsUnder(gitdir: string, prefix: string): Map<string, string> {
  const out = git(gitdir, 'for-each-ref', '--format=%(refname) %(objectname)', prefix);
  return new Map(
    out
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split(' ') as [string, string]),
  );
}

/** Every file of a tree-ish: path → content. */
export function readTreeFiles(gitdir: string, treeish: string): Map<string, string> {
  const files = new Map<string, string>();
  const names = git(gitdir, 'ls-tree', '-r', '--name-only', '-z', treeish).split('\0').filter(Boolean);
  // `rev:path` already names a tree inside a commit; its files are `rev:path/file`.
  for (const name of names) files.set(name, git(gitdir, 'show', treeish.includes(':') ? `${treeish}/${name}` : `${treeish}:${name}`));
  return files;
}

/** Writes a tree's files into a new folder, as an edge's checkout of that revision would have them. */
export function checkout(gitdir: string, treeish: string): string {
  const dir = tempDir('edgeplane-checkout-');
  for (const [file, text] of readTreeFiles(gitdir, treeish)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

/** `git fsck --full --strict`, throwing on any complaint. */
export function fsck(gitdir: string): void {
  execFileSync('git', ['fsck', '--full', '--strict', '--no-progress'], { cwd: gitdir, env: GIT_ENV, stdio: 'pipe' });
}

/** Runs the CLI in-process and captures its output. */
export async function runCli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const { main } = await import('../../src/cli/main.js');
  let out = '';
  let err = '';
  const code = await main(['node', 'edgeplane', ...args], {
    out: (text) => (out += text),
    err: (text) => (err += text),
    isTTY: false,
  });
  return { code, out, err };
}
