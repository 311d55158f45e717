/**
 * The `git fast-import` anchor: a stream that writes exactly the objects and refs a reconcile wrote (generated
 * from the trees in the reconciled repository), and a timed run of `git fast-import` alone on it.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { runGit } from '../src/git/runGit.js';

interface RawObject {
  type: string;
  body: Buffer;
}

/** Every object of a repository, read through one `git cat-file --batch-all-objects --batch`. */
async function readAllObjects(gitdir: string): Promise<Map<string, RawObject>> {
  const result = await runGit({ gitdir, args: ['cat-file', '--batch-all-objects', '--batch', '--unordered'] });
  if (result.code !== 0) throw new Error(`git cat-file failed: ${result.stderr}`);
  const out = result.stdout;
  const objects = new Map<string, RawObject>();
  let at = 0;
  while (at < out.length) {
    const eol = out.indexOf(0x0a, at);
    const [id, type, size] = out.toString('latin1', at, eol).split(' ') as [string, string, string];
    const start = eol + 1;
    const end = start + Number(size);
    objects.set(id, { type, body: out.subarray(start, end) });
    at = end + 1;
  }
  return objects;
}

/** Entries of a tree object body: mode, name, id. */
function treeEntries(body: Buffer): { mode: string; name: string; id: string }[] {
  const entries: { mode: string; name: string; id: string }[] = [];
  let at = 0;
  while (at < body.length) {
    const space = body.indexOf(0x20, at);
    const nul = body.indexOf(0, space);
    entries.push({
      mode: body.toString('latin1', at, space),
      name: body.toString('utf8', space + 1, nul),
      id: body.toString('hex', nul + 1, nul + 21),
    });
    at = nul + 21;
  }
  return entries;
}

/** What a fast-import stream holds. */
export interface FastImportStream {
  bytes: Buffer;
  refs: Map<string, string>;
  blobs: number;
  commits: number;
}

/**
 * A fast-import stream for every ref under `prefix` of `gitdir` whose head is a root commit: each distinct blob
 * once (with a mark), then one commit per ref with the same author, committer, message and files, so fast-import
 * must produce the very same commit ids.
 */
export async function fastImportStream(gitdir: string, prefix: string): Promise<FastImportStream> {
  const refsOut = await runGit({ gitdir, args: ['for-each-ref', '--format=%(objectname) %(refname)', prefix] });
  const refs = new Map<string, string>();
  for (const line of refsOut.stdout.toString('utf8').split('\n')) {
    if (line === '') continue;
    const [id, ref] = line.split(' ') as [string, string];
    refs.set(ref, id);
  }
  const objects = await readAllObjects(gitdir);
  const marks = new Map<string, number>();
  const parts: Buffer[] = [];
  const blobMark = (id: string): number => {
    let mark = marks.get(id);
    if (mark === undefined) {
      mark = marks.size + 1;
      marks.set(id, mark);
      const body = objects.get(id)!.body;
      parts.push(Buffer.from(`blob\nmark :${mark}\ndata ${body.length}\n`), body, Buffer.from('\n'));
    }
    return mark;
  };
  const commits: Buffer[] = [];
  for (const [ref, id] of refs) {
    const commit = objects.get(id)!.body.toString('utf8');
    const split = commit.indexOf('\n\n');
    const headers = commit.slice(0, split).split('\n');
    const message = commit.slice(split + 2);
    if (headers.some((h) => h.startsWith('parent '))) throw new Error(`${ref} is not a root commit: stream the cold reconcile`);
    const tree = headers.find((h) => h.startsWith('tree '))!.slice(5);
    const files: string[] = [];
    const walk = (treeId: string, prefixPath: string): void => {
      for (const entry of treeEntries(objects.get(treeId)!.body)) {
        if (entry.mode === '40000') walk(entry.id, `${prefixPath}${entry.name}/`);
        else files.push(`M ${entry.mode} :${blobMark(entry.id)} ${prefixPath}${entry.name}\n`);
      }
    };
    walk(tree, '');
    const author = headers.find((h) => h.startsWith('author '))!;
    const committer = headers.find((h) => h.startsWith('committer '))!;
    const messageBytes = Buffer.from(message, 'utf8');
    commits.push(Buffer.from(`commit ${ref}\n${author}\n${committer}\ndata ${messageBytes.length}\n`), messageBytes, Buffer.from(files.join('') + '\n'));
  }
  return { bytes: Buffer.concat([...parts, ...commits, Buffer.from('done\n')]), refs, blobs: marks.size, commits: refs.size };
}

/**
 * Runs `git fast-import` on `streamFile` into `gitdir` (stdin straight from the file) and returns its wall time in
 * milliseconds: process start to exit, nothing else.
 */
export function timeFastImport(gitdir: string, streamFile: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const input = fs.openSync(streamFile, 'r');
    const started = process.hrtime.bigint();
    const child = spawn('git', [`--git-dir=${gitdir}`, 'fast-import', '--quiet', '--done'], { stdio: [input, 'ignore', 'pipe'] });
    const stderr: Buffer[] = [];
    child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      fs.closeSync(input);
      if (code === 0) resolve(ms);
      else reject(new Error(`git fast-import exited ${code}: ${Buffer.concat(stderr).toString()}`));
    });
  });
}
