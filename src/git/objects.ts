/**
 * Git's object formats, byte for byte: how blobs, trees and commits are hashed and encoded. Pure: no I/O, so the
 * publish stage can build every location's tree in memory and hand the objects to an `ObjectSink` in one go.
 *
 * Everything here is checked against the git CLI (`git hash-object`, `git mktree`, `git commit-tree`,
 * `git fsck --strict`) in objects.test.ts.
 */
import { createHash, hash } from 'node:crypto';
import { EdgeplaneError } from '../errors/edgeplaneError.js';

/** The object types edgeplane writes. Tags are never written. */
export type ObjectType = 'blob' | 'tree' | 'commit';

/**
 * A tree entry's mode. edgeplane writes `100644` (file), `100755` (executable) and `040000` (subtree);
 * `120000` (symlink) and `160000` (submodule) exist so that trees read from a user's repo can be represented.
 * `040000` is how `git ls-tree` prints it; in the tree object itself Git stores `40000`.
 */
export type TreeEntryMode = '100644' | '100755' | '040000' | '120000' | '160000';

/** One entry of a tree object. `name` is one path component (no `/`), `id` the hex id of a blob or tree. */
export interface TreeEntry {
  name: string;
  mode: TreeEntryMode;
  id: string;
}

/** A person and a moment, as in a commit's `author` and `committer` headers. */
export interface Signature {
  name: string;
  email: string;
  /** Seconds since the epoch, a non-negative integer. */
  timestamp: number;
  /** `+HHMM` or `-HHMM`, e.g. `+0000`. */
  tzOffset: string;
}

/** The fields of a commit object. */
export interface CommitFields {
  tree: string;
  /** Zero (root commit) or more parent commit ids, in order. */
  parents: readonly string[];
  author: Signature;
  committer: Signature;
  /** Written verbatim; end it with `\n` as Git's own tools do. */
  message: string;
}

/** An encoded object and its id, ready for an `ObjectSink`. */
export interface GitObject {
  type: ObjectType;
  id: string;
  body: Buffer;
}

/** The id of the empty tree, which every Git knows without storing it. */
export const EMPTY_TREE_ID = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

const TZ_PATTERN = /^[+-][0-9]{4}$/;

/** Hex SHA-1 of `"<type> <length>\0" + body`: the object id Git gives these bytes. */
export function hashObject(type: ObjectType, body: Buffer): string {
  return createHash('sha1').update(`${type} ${body.length}\0`).update(body).digest('hex');
}

/** A blob's id and body from its text (UTF-8). */
export interface HashedBlob {
  id: string;
  body: Buffer;
}

/**
 * `hashObject('blob', Buffer.from(text))` and that buffer, in one allocation and one one-shot hash: the body is a
 * view into the `"blob <length>\0" + body` bytes that were hashed. Called for every file of every location.
 */
export function hashBlobText(text: string): HashedBlob {
  const length = Buffer.byteLength(text, 'utf8');
  const header = `blob ${length}\0`;
  const bytes = Buffer.allocUnsafe(header.length + length);
  bytes.write(header, 0, 'latin1');
  bytes.write(text, header.length, 'utf8');
  return { id: sha1Hex(bytes), body: bytes.subarray(header.length) };
}

/** One-shot SHA-1 (`crypto.hash`, Node 20.12+; a Hash object before that). */
const sha1Hex: (data: Buffer) => string =
  typeof hash === 'function' ? (data) => hash('sha1', data, 'hex') : (data) => createHash('sha1').update(data).digest('hex');

/** 40 lowercase hex digits. A loop, not a regular expression: it checks every entry of every tree written. */
function isObjectId(id: string): boolean {
  if (typeof id !== 'string' || id.length !== 40) return false;
  for (let i = 0; i < 40; i++) {
    const c = id.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

/** Throws BAD_ARGUMENT unless `id` is 40 lowercase hex digits. */
export function assertObjectId(id: string, what: string): void {
  if (!isObjectId(id)) {
    throw new EdgeplaneError('BAD_ARGUMENT', `${what} is not a 40-digit lowercase hex object id: ${JSON.stringify(id)}`, {
      what,
      id,
    });
  }
}

/**
 * Throws BAD_ARGUMENT unless `name` is a path component that `git fsck --strict` accepts and that is safe to check
 * out everywhere: not empty, no `/` or NUL, not `.`, `..`, nor a spelling of `.git` that some file system reads
 * as `.git` (any case, its Windows short name `git~1`, trailing dots or spaces, HFS+ ignorable code points).
 */
export function assertEntryName(name: string): void {
  if (KNOWN_GOOD_NAMES.has(name)) return;
  const folded = name
    .toLowerCase()
    .replace(/[\u200c-\u200f\u202a-\u202e\u206a-\u206f\ufeff]/g, '')
    .replace(/[. ]+$/, '');
  const bad =
    name === '' ||
    name.includes('/') ||
    name.includes('\0') ||
    name === '.' ||
    name === '..' ||
    folded === '.git' ||
    folded === 'git~1';
  if (bad) {
    const message = `${JSON.stringify(name)} cannot be a file or folder name in a Git tree`;
    throw new EdgeplaneError('BAD_ARGUMENT', message, { name });
  }
  // The same few hundred names recur in every location's tree: check each once.
  if (KNOWN_GOOD_NAMES.size >= KNOWN_GOOD_LIMIT) KNOWN_GOOD_NAMES.clear();
  KNOWN_GOOD_NAMES.add(name);
}

const KNOWN_GOOD_NAMES = new Set<string>();
const KNOWN_GOOD_LIMIT = 50_000;

/** Git's stored form of a mode: trees are `40000`, without the leading zero that `ls-tree` prints. */
function storedMode(mode: TreeEntryMode): string {
  return mode === '040000' ? '40000' : mode;
}

/**
 * Git's tree order: byte order of the names, where a subtree sorts as if its name ended in `/`
 * (so `a.txt` < `a/` < `a0`).
 */
function sortKey(entry: TreeEntry): string {
  return entry.mode === '040000' ? `${entry.name}/` : entry.name;
}

// eslint-disable-next-line no-control-regex
const ASCII = /^[\u0000-\u007f]*$/;

/** Byte order of the UTF-8 encodings. For ASCII, UTF-16 code unit order is the same and needs no encoding. */
function compareKeys(a: string, b: string): number {
  if (ASCII.test(a) && ASCII.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * Encodes a tree object body: entries in Git's order, each `<mode> <name>\0<20-byte id>`.
 * Throws BAD_ARGUMENT on a bad name or id, or when two entries share a name.
 */
export function encodeTree(entries: readonly TreeEntry[]): Buffer {
  for (const entry of entries) {
    assertEntryName(entry.name);
    assertObjectId(entry.id, `tree entry ${JSON.stringify(entry.name)}`);
  }
  return encodeCheckedTree(entries);
}

/** `encodeTree` for entries whose names and ids were checked already (by `TreeBuilder.add`). */
function encodeCheckedTree(entries: readonly TreeEntry[]): Buffer {
  const keyed = entries.map((entry) => ({ entry, key: sortKey(entry) }));
  keyed.sort((a, b) => compareKeys(a.key, b.key));
  let size = 0;
  const seen = new Set<string>();
  for (const { entry } of keyed) {
    if (seen.has(entry.name)) {
      throw new EdgeplaneError('BAD_ARGUMENT', `tree has two entries named ${JSON.stringify(entry.name)}`, {
        name: entry.name,
      });
    }
    seen.add(entry.name);
    size += storedMode(entry.mode).length + 1 + Buffer.byteLength(entry.name, 'utf8') + 1 + 20;
  }
  const body = Buffer.allocUnsafe(size);
  let at = 0;
  for (const { entry } of keyed) {
    at += body.write(storedMode(entry.mode), at, 'latin1');
    body[at++] = 0x20;
    at += body.write(entry.name, at, 'utf8');
    body[at++] = 0;
    at += body.write(entry.id, at, 'hex');
  }
  return body;
}

function encodeSignature(role: 'author' | 'committer', sig: Signature): string {
  if (sig.name.trim() === '' || /[<>\n\0]/.test(sig.name) || /[<>\n\0]/.test(sig.email)) {
    throw new EdgeplaneError(
      'BAD_ARGUMENT',
      `commit ${role} needs a non-empty name, and neither name nor email may contain '<', '>' or a line break`,
      { role },
    );
  }
  if (!Number.isSafeInteger(sig.timestamp) || sig.timestamp < 0) {
    throw new EdgeplaneError('BAD_ARGUMENT', `commit ${role} timestamp must be whole seconds since the epoch`, {
      role,
      timestamp: sig.timestamp,
    });
  }
  if (!TZ_PATTERN.test(sig.tzOffset)) {
    throw new EdgeplaneError('BAD_ARGUMENT', `commit ${role} tzOffset must look like +0000 or -0130`, {
      role,
      tzOffset: sig.tzOffset,
    });
  }
  return `${role} ${sig.name} <${sig.email}> ${sig.timestamp} ${sig.tzOffset}\n`;
}

/** Encodes a commit object body exactly as `git commit-tree` does for the same fields. */
export function encodeCommit(fields: CommitFields): Buffer {
  assertObjectId(fields.tree, 'commit tree');
  fields.parents.forEach((parent, i) => assertObjectId(parent, `commit parent ${i}`));
  if (fields.message.includes('\0')) {
    throw new EdgeplaneError('BAD_ARGUMENT', 'a commit message cannot contain a NUL byte', {});
  }
  const headers = [
    `tree ${fields.tree}\n`,
    ...fields.parents.map((parent) => `parent ${parent}\n`),
    encodeSignature('author', fields.author),
    encodeSignature('committer', fields.committer),
  ];
  return Buffer.from(`${headers.join('')}\n${fields.message}`, 'utf8');
}

type Node = { kind: 'dir'; children: Map<string, Node> } | { kind: 'leaf'; mode: TreeEntryMode; id: string };

/** The result of `TreeBuilder.build()`. */
export interface BuiltTree {
  rootId: string;
  /** Every tree object of the build, children before parents, each id once. Blobs are not included. */
  objects: GitObject[];
}

/**
 * Builds nested tree objects from `path -> id` in memory. Add blobs (or existing subtrees, mode `040000`, to
 * share a subtree between locations without re-hashing it), then `build()` once.
 */
export class TreeBuilder {
  private readonly root: Node & { kind: 'dir' } = { kind: 'dir', children: new Map() };

  /**
   * Places `id` at `path` (`a/b/c.yaml`, no leading or trailing `/`, no empty, `.`, `..` or `.git` components).
   * Adding the same path twice with the same id and mode is allowed; anything else at an occupied path, or a path
   * that runs through a file or grafted subtree, throws BAD_ARGUMENT.
   */
  add(path: string, id: string, mode: TreeEntryMode = '100644'): this {
    assertObjectId(id, `id for ${JSON.stringify(path)}`);
    const parts = path.split('/');
    parts.forEach(assertEntryName);
    let dir = this.root;
    for (const part of parts.slice(0, -1)) {
      let next = dir.children.get(part);
      if (next === undefined) {
        next = { kind: 'dir', children: new Map() };
        dir.children.set(part, next);
      }
      if (next.kind !== 'dir') throw pathConflict(path);
      dir = next;
    }
    const name = parts[parts.length - 1]!;
    const existing = dir.children.get(name);
    if (existing !== undefined) {
      if (existing.kind === 'leaf' && existing.id === id && existing.mode === mode) return this;
      throw pathConflict(path);
    }
    dir.children.set(name, { kind: 'leaf', mode, id });
    return this;
  }

  /** Encodes and hashes every tree, bottom-up. An empty builder gives the empty tree. */
  build(): BuiltTree {
    const objects: GitObject[] = [];
    const seen = new Set<string>();
    const visit = (dir: Node & { kind: 'dir' }): string => {
      const entries: TreeEntry[] = [];
      for (const [name, node] of dir.children) {
        const entry: TreeEntry =
          node.kind === 'dir' ? { name, mode: '040000', id: visit(node) } : { name, mode: node.mode, id: node.id };
        entries.push(entry);
      }
      const body = encodeCheckedTree(entries);
      const id = hashObject('tree', body);
      if (!seen.has(id)) {
        seen.add(id);
        objects.push({ type: 'tree', id, body });
      }
      return id;
    };
    return { rootId: visit(this.root), objects };
  }
}

function pathConflict(path: string): EdgeplaneError {
  const message = `${JSON.stringify(path)} conflicts with another path in the same tree`;
  return new EdgeplaneError('BAD_ARGUMENT', message, { path });
}
