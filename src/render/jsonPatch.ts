/**
 * RFC 6902 JSON Patch over plain data, with RFC 6901 pointers (`~0` is `~`, `~1` is `/`, `-` appends to a
 * list). Used for Customizer `patches` entries that carry `op`.
 */
import type { JsonPatchOperation } from '../api/customizer.js';
import { cloneJson, describeType, describeValue, hasOwn, isMap, isUnsafeKey, jsonEqual } from './jsonValue.js';
import { RenderError } from './renderError.js';

const OPS: ReadonlySet<string> = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

/**
 * Applies `ops` in order to `doc` and returns the result. `doc` is mutated in place (the return value differs
 * from `doc` only when an operation replaces the whole document, path `""`); values from `ops` are copied,
 * never shared. Errors throw a `RenderError` (code `patch`) naming the operation's index, op and path and
 * why it failed; the document is then partly patched and must be discarded (RFC 6902 §5).
 */
export function applyJsonPatch(doc: unknown, ops: readonly JsonPatchOperation[]): unknown {
  if (!Array.isArray(ops)) {
    throw new RenderError({ code: 'patch', message: `a JSON patch must be a list of operations, not ${describeType(ops)}`, hint: 'write - {op: replace, path: /spec/replicas, value: 3}' });
  }
  let root = doc;
  for (let index = 0; index < ops.length; index++) {
    root = applyOne(root, ops[index], index);
  }
  return root;
}

/**
 * The reference tokens of an RFC 6901 pointer: `""` is the whole document, `/a~1b/0` is `['a/b', '0']`.
 * Throws a `RenderError` (code `patch`) for a pointer that does not start with `/` or has a bad `~` escape.
 */
export function parseJsonPointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (typeof pointer !== 'string' || pointer[0] !== '/') {
    throw new PointerError(`${JSON.stringify(pointer)} is not a JSON pointer: it must start with /`, 'write /spec/replicas; use ~1 for / and ~0 for ~ inside a name', 0);
  }
  const tokens: string[] = [];
  let token = '';
  for (let i = 1; i < pointer.length; i++) {
    const c = pointer[i];
    if (c === '/') {
      tokens.push(token);
      token = '';
    } else if (c === '~') {
      const next = pointer[i + 1];
      if (next === '0') token += '~';
      else if (next === '1') token += '/';
      else throw new PointerError(`bad escape in ${JSON.stringify(pointer)} at column ${i + 1}: ~ must be followed by 0 or 1`, 'write ~0 for ~ and ~1 for /', i);
      i++;
    } else {
      token += c;
    }
  }
  tokens.push(token);
  return tokens;
}

/** A pointer problem, before the operation it belongs to is known. */
class PointerError extends RenderError {
  constructor(message: string, hint: string, offset: number) {
    super({ code: 'patch', message, hint, col: offset + 1 });
  }
}

/** Why one operation failed; `applyOne` adds which operation it was. */
class OpFailure {
  constructor(
    readonly reason: string,
    readonly hint: string,
  ) {}
}

function applyOne(root: unknown, raw: unknown, index: number): unknown {
  const name = isMap(raw) && typeof raw['op'] === 'string' ? raw['op'] : undefined;
  const pathText = isMap(raw) && typeof raw['path'] === 'string' ? raw['path'] : undefined;
  const label = `JSON patch operation ${index} (${name ?? '?'} ${pathText ?? '?'})`;
  try {
    if (!isMap(raw)) throw new OpFailure(`the operation is ${describeType(raw)}, not a map`, 'write {op: replace, path: /spec/replicas, value: 3}');
    if (name === undefined || !OPS.has(name)) {
      throw new OpFailure(`op must be one of add, remove, replace, move, copy, test, not ${describeValue(raw['op'])}`, 'fix the op field');
    }
    if (pathText === undefined) throw new OpFailure('the operation has no path', 'add a JSON pointer such as path: /spec/replicas');
    const path = parseJsonPointer(pathText);
    const needsValue = name === 'add' || name === 'replace' || name === 'test';
    if (needsValue && !hasOwn(raw, 'value')) throw new OpFailure('the operation has no value', `add the value to ${name}`);
    let from: string[] = [];
    if (name === 'move' || name === 'copy') {
      if (typeof raw['from'] !== 'string') throw new OpFailure('the operation has no from', 'add a JSON pointer such as from: /spec/template/metadata/labels/app');
      from = parseJsonPointer(raw['from']);
    }
    switch (name) {
      case 'add':
        return add(root, path, cloneJson(raw['value']));
      case 'remove':
        remove(root, path);
        return root;
      case 'replace':
        return replace(root, path, cloneJson(raw['value']));
      case 'move': {
        if (isPrefix(from, path)) {
          if (from.length === path.length) return root;
          throw new OpFailure(`cannot move ${raw['from'] as string} into its own child`, 'move to a path outside the moved value');
        }
        const value = get(root, from, 'from');
        remove(root, from);
        return add(root, path, value);
      }
      case 'copy':
        return add(root, path, cloneJson(get(root, from, 'from')));
      default: {
        const actual = get(root, path, 'path');
        if (!jsonEqual(actual, raw['value'])) {
          throw new OpFailure(
            `test failed: the value is ${describeValue(actual)}, not ${describeValue(raw['value'])}`,
            'the object is not what this patch expects; fix the test value or the rule target',
          );
        }
        return root;
      }
    }
  } catch (e) {
    if (e instanceof OpFailure) throw new RenderError({ code: 'patch', message: `${label}: ${e.reason}`, hint: e.hint });
    if (e instanceof PointerError) throw new RenderError({ code: 'patch', message: `${label}: ${e.message}`, hint: e.hint });
    throw e;
  }
}

function isPrefix(prefix: readonly string[], of: readonly string[]): boolean {
  if (prefix.length > of.length) return false;
  for (let i = 0; i < prefix.length; i++) if (prefix[i] !== of[i]) return false;
  return true;
}

function pointerOf(tokens: readonly string[], n = tokens.length): string {
  let out = '';
  for (let i = 0; i < n; i++) out += '/' + tokens[i]!.replaceAll('~', '~0').replaceAll('/', '~1');
  return out;
}

/** The container holding the last token of `tokens`; every step before it must exist. */
function parentOf(root: unknown, tokens: readonly string[]): Record<string, unknown> | unknown[] {
  let node = root;
  for (let i = 0; i < tokens.length - 1; i++) {
    node = child(node, tokens, i);
  }
  if (!isMap(node) && !Array.isArray(node)) {
    throw new OpFailure(`the parent ${pointerOf(tokens, tokens.length - 1) || '(the document)'} is ${describeType(node)}, not a map or list`, 'fix the path');
  }
  return node;
}

/** The child of `node` named by `tokens[i]`, which must exist. */
function child(node: unknown, tokens: readonly string[], i: number): unknown {
  const token = tokens[i]!;
  if (Array.isArray(node)) {
    return node[arrayIndex(token, node.length, false, tokens, i)];
  }
  if (isMap(node) && hasOwn(node, token)) return node[token];
  const where = pointerOf(tokens, i + 1);
  const why = isMap(node) ? 'does not exist' : `cannot be reached: ${pointerOf(tokens, i) || 'the document'} is ${describeType(node)}`;
  throw new OpFailure(`${where} ${why}`, 'create the missing parent first (op: add with a map value), or fix the path');
}

/** `token` as an index into a list of `length` elements; `atEnd` allows `length` itself (insert at the end). */
function arrayIndex(token: string, length: number, atEnd: boolean, tokens: readonly string[], i: number): number {
  if (!isIndexToken(token)) {
    const why = token === '-' ? '- (the end of the list) can only be used with op: add' : 'is not a list index';
    throw new OpFailure(`${pointerOf(tokens, i + 1)}: ${why}`, 'list elements are addressed by number (/0, /1, ...), or - to append with op: add');
  }
  const index = Number(token);
  if (index > length || (index === length && !atEnd)) {
    throw new OpFailure(`index ${index} at ${pointerOf(tokens, i) || 'the document'} is out of range: the list has ${length} element(s)`, 'indexes start at 0; to append use op: add with path .../-');
  }
  return index;
}

function isIndexToken(token: string): boolean {
  if (token.length === 0 || (token.length > 1 && token[0] === '0')) return false;
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function get(root: unknown, tokens: readonly string[], field: 'path' | 'from'): unknown {
  let node = root;
  try {
    for (let i = 0; i < tokens.length; i++) node = child(node, tokens, i);
  } catch (e) {
    if (e instanceof OpFailure) {
      throw field === 'from'
        ? new OpFailure(`from ${e.reason}`, 'fix the from pointer')
        : new OpFailure(e.reason, 'the object is not what this patch expects; fix the test path or the rule target');
    }
    throw e;
  }
  return node;
}

function add(root: unknown, tokens: readonly string[], value: unknown): unknown {
  if (tokens.length === 0) return value;
  const parent = parentOf(root, tokens);
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) {
    if (last === '-') parent.push(value);
    else parent.splice(arrayIndex(last, parent.length, true, tokens, tokens.length - 1), 0, value);
  } else {
    checkKey(last);
    parent[last] = value;
  }
  return root;
}

function remove(root: unknown, tokens: readonly string[]): void {
  if (tokens.length === 0) throw new OpFailure('cannot remove the whole document', 'name a field to remove');
  const parent = parentOf(root, tokens);
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) {
    parent.splice(arrayIndex(last, parent.length, false, tokens, tokens.length - 1), 1);
  } else if (hasOwn(parent, last)) {
    delete parent[last];
  } else {
    throw new OpFailure(`${pointerOf(tokens)} does not exist`, 'remove only what is there; check the path against the object');
  }
}

function replace(root: unknown, tokens: readonly string[], value: unknown): unknown {
  if (tokens.length === 0) return value;
  const parent = parentOf(root, tokens);
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) {
    parent[arrayIndex(last, parent.length, false, tokens, tokens.length - 1)] = value;
  } else if (hasOwn(parent, last)) {
    parent[last] = value;
  } else {
    throw new OpFailure(`${pointerOf(tokens)} does not exist`, 'replace needs an existing value; use op: add to create it');
  }
  return root;
}

function checkKey(key: string): void {
  if (isUnsafeKey(key)) throw new OpFailure(`cannot set ${key}`, 'Kubernetes objects have no such field');
}
