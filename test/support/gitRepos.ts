/**
 * Test support for src/git: throwaway repositories under the OS temp folder and a synchronous `git` that runs
 * with no machine or user config, so tests compare against the real git CLI without depending on the host.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ObjectSink } from '../../src/git/objectSink.js';
import { encodeCommit, TreeBuilder, type Signature } from '../../src/git/objects.js';

/** Environment for git in tests: no system/global config, no prompts, a fixed identity. */
export const TEST_GIT_ENV: NodeJS.ProcessEnv = (() => {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_NAME: 'Test Author',
    GIT_AUTHOR_EMAIL: 'author@example.invalid',
    GIT_COMMITTER_NAME: 'Test Committer',
    GIT_COMMITTER_EMAIL: 'committer@example.invalid',
  };
  for (const name of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY']) delete env[name];
  return env;
})();

/** Runs git in `gitdir` and returns stdout; throws with stderr when git fails. */
export function gitSync(gitdir: string, args: readonly string[], options: { input?: string | Buffer; env?: NodeJS.ProcessEnv } = {}): Buffer {
  return execFileSync('git', [`--git-dir=${gitdir}`, ...args], {
    env: { ...TEST_GIT_ENV, ...options.env },
    input: options.input ?? '',
    maxBuffer: 1 << 30,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** `gitSync` as trimmed text. */
export function gitText(gitdir: string, args: readonly string[], options: { input?: string | Buffer; env?: NodeJS.ProcessEnv } = {}): string {
  return gitSync(gitdir, args, options).toString('utf8').trim();
}

/**
 * Throws unless `git fsck --full --strict` exits 0 and reports nothing (no error, warning, missing, broken or
 * dangling object unless allowed): the repository is exactly what edgeplane promises.
 */
export function assertFsckClean(gitdir: string, options: { allowDangling?: boolean } = {}): void {
  const fsck = spawnSync('git', [`--git-dir=${gitdir}`, 'fsck', '--full', '--strict', '--no-progress'], { env: TEST_GIT_ENV, encoding: 'utf8' });
  let output = `${fsck.stdout}${fsck.stderr}`.trim();
  if (options.allowDangling === true) output = output.replace(/^dangling .*$/gm, '');
  if (fsck.status !== 0 || /error|warning|missing|broken|dangling|bad/i.test(output)) {
    throw new Error(`git fsck --full --strict in ${gitdir} is not clean (exit ${fsck.status}):\n${output}`);
  }
}

/** Temp folders made by `tempDir`, removed by `removeTempDirs`. */
const made: string[] = [];

/** A new empty folder under the OS temp folder. */
export function tempDir(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `edgeplane-git-${label}-`));
  made.push(dir);
  return dir;
}

/** A new empty bare repository (branch `main`); returns its gitdir. */
export function bareRepo(label: string): string {
  const dir = join(tempDir(label), 'repo.git');
  execFileSync('git', ['init', '--quiet', '--bare', '--initial-branch=main', dir], { env: TEST_GIT_ENV });
  return dir;
}

/** Removes every folder `tempDir` made; call from `after`. */
export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** What `writeFleet` wrote. */
export interface Fleet {
  /** `refs/heads/edgeplane/loc-N` -> the location's newest commit. */
  refs: Map<string, string>;
  /** Every commit written, oldest first per location. */
  commits: string[];
  /** `<ref>:<path>` -> the file's content, for every file of every location's newest commit. */
  files: Map<string, string>;
}

/** The fixed identity of test commits. */
export const TEST_SIGNATURE: Signature = { name: 'Edgeplane Test', email: 'test@edgeplane.invalid', timestamp: 1700000000, tzOffset: '+0000' };

/**
 * Writes a fleet of location branches into `sink`, shaped like edgeplane's output: per location a README, a
 * kustomization, `filesPerLocation` unique manifests under `telemetry/`, and a `shared/` subtree identical at every
 * location; `commitsPerLocation` commits in a chain. The caller flushes.
 */
export function writeFleet(sink: ObjectSink, options: { locations: number; filesPerLocation: number; commitsPerLocation: number }): Fleet {
  const fleet: Fleet = { refs: new Map(), commits: [], files: new Map() };
  const shared = sink.add('blob', Buffer.from('apiVersion: v1\nkind: Namespace\nmetadata:\n  name: telemetry\n'));
  for (let l = 0; l < options.locations; l++) {
    const ref = `refs/heads/edgeplane/loc-${String(l).padStart(5, '0')}`;
    let parent: string | null = null;
    for (let c = 0; c < options.commitsPerLocation; c++) {
      const files = new Map<string, string>([
        ['README.md', `# loc-${l}\n\nrevision ${c}\n`],
        ['kustomization.yaml', `resources:\n${Array.from({ length: options.filesPerLocation }, (_, f) => `- telemetry/cm-${f}.yaml\n`).join('')}`],
      ]);
      for (let f = 0; f < options.filesPerLocation; f++) {
        files.set(`telemetry/cm-${f}.yaml`, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${f}\ndata:\n  location: loc-${l}\n  revision: "${c}"\n`);
      }
      const builder = new TreeBuilder().add('shared/namespace.yaml', shared);
      for (const [path, content] of files) builder.add(path, sink.add('blob', Buffer.from(content)));
      const tree = builder.build();
      for (const object of tree.objects) sink.add(object.type, object.body);
      const commit = sink.add(
        'commit',
        encodeCommit({
          tree: tree.rootId,
          parents: parent === null ? [] : [parent],
          author: TEST_SIGNATURE,
          committer: { ...TEST_SIGNATURE, timestamp: TEST_SIGNATURE.timestamp + c },
          message: `Render loc-${l} revision ${c}\n\nEdgeplane-Source: ${'0'.repeat(40)}\n`,
        }),
      );
      fleet.commits.push(commit);
      parent = commit;
      if (c === options.commitsPerLocation - 1) {
        for (const [path, content] of files) fleet.files.set(`${ref}:${path}`, content);
        fleet.files.set(`${ref}:shared/namespace.yaml`, 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: telemetry\n');
      }
    }
    fleet.refs.set(ref, parent!);
  }
  return fleet;
}
