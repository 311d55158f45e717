/**
 * A document being customized that shares its unchanged parts with the object it came from. A placement's object
 * is the same JS object at every location; rather than deep-copying it for each (what most of a customization's
 * time went to), each container on a path about to be written is copied first, once. The source object never
 * changes, so its unchanged parts may be shared, and serialized once (see canonicalYaml.ts).
 *
 * Ownership is conservative: it copies every container a write could reach (all elements under a wildcard or a
 * filter). Operations that may touch anything (strategic merge, `%(name)` expansion) take a full copy.
 */
import type { JsonPath } from './jsonPath.js';
import { cloneJson, hasOwn, isMap } from './jsonValue.js';

type Container = Record<string, unknown> | unknown[];

function isContainer(value: unknown): value is Container {
  return typeof value === 'object' && value !== null;
}

function shallowCopy(value: Container): Container {
  return Array.isArray(value) ? value.slice() : { ...value };
}

/** One object under customization. Read `root` after the writes: it may be a new object. */
export class CopyOnWrite {
  root: unknown;
  /** Containers copied for this document: written freely. */
  readonly #owned = new Set<object>();
  /** Everything is this document's own: a full copy, or an object made for it. */
  #all: boolean;

  /** `fresh`: the object was made for this document alone (a rendered template), so nothing needs copying. */
  constructor(root: unknown, fresh: boolean) {
    this.root = root;
    this.#all = fresh;
  }

  /** Makes the whole document writable: before an operation that may change any part of it. */
  ownAll(): void {
    if (this.#all) return;
    this.root = cloneJson(this.root);
    this.#all = true;
  }

  /** Takes a new root made by an operation (a patch replacing the whole document); it is fresh. */
  adopt(root: unknown): void {
    this.root = root;
    this.#all = true;
  }

  /** Makes writable every container a JSON-pointer operation at `tokens` writes: the chain down to its parent. */
  ownPointerParent(tokens: readonly string[]): void {
    if (this.#all) return;
    let node = this.#ownRoot();
    for (let i = 0; i < tokens.length - 1 && node !== undefined; i++) {
      const token = tokens[i]!;
      if (Array.isArray(node)) {
        if (!/^(0|[1-9][0-9]*)$/.test(token)) return;
        node = this.#ownChild(node, Number(token));
      } else {
        if (!hasOwn(node, token)) return;
        node = this.#ownChild(node, token);
      }
    }
  }

  /** Makes writable every container a JSONPath replacement may write: each one its walk may pass through. */
  ownJsonPath(path: JsonPath): void {
    if (this.#all) return;
    const { segments } = path;
    const walk = (node: Container, i: number): void => {
      if (i >= segments.length - 1) return;
      const seg = segments[i]!;
      const next = (key: string | number) => {
        const child = this.#ownChild(node, key);
        if (child !== undefined) walk(child, i + 1);
      };
      switch (seg.kind) {
        case 'name':
          if (isMap(node) && hasOwn(node, seg.name)) next(seg.name);
          return;
        case 'index':
          if (Array.isArray(node)) {
            const index = seg.index < 0 ? node.length + seg.index : seg.index;
            if (index >= 0 && index < node.length) next(index);
          }
          return;
        default:
          if (Array.isArray(node)) for (let k = 0; k < node.length; k++) next(k);
          else for (const key of Object.keys(node)) next(key);
      }
    };
    const root = this.#ownRoot();
    if (root !== undefined) walk(root, 0);
  }

  #ownRoot(): Container | undefined {
    if (!isContainer(this.root)) return undefined;
    if (!this.#owned.has(this.root)) {
      this.root = shallowCopy(this.root);
      this.#owned.add(this.root as Container);
    }
    return this.root as Container;
  }

  /** The child at `key` of an owned container, copied into it first unless it is owned; undefined for a scalar. */
  #ownChild(container: Container, key: string | number): Container | undefined {
    const child = (container as Record<string | number, unknown>)[key];
    if (!isContainer(child)) return undefined;
    if (this.#owned.has(child)) return child;
    const copy = shallowCopy(child);
    this.#owned.add(copy);
    (container as Record<string | number, unknown>)[key] = copy;
    return copy;
  }
}
