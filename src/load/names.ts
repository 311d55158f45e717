import type { ProblemSink } from '../errors/problem.js';
import type { SpecObject } from './spec.js';

/** A DNS-1123 label: safe as a Git ref component and as a folder name on every file system. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Why `name` cannot become a branch or folder name, or undefined when it can. */
export function unsafeNameReason(name: string): string | undefined {
  if (name.length === 0) return 'the name is empty';
  if (name.length > 63) return `the name has ${name.length} characters, more than 63`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'the name contains control characters';
  if (name.includes('/')) return 'the name contains "/", which would nest branches and folders';
  if (name.includes('..')) return 'the name contains "..", which would leave its folder';
  if (!DNS_LABEL.test(name)) return 'the name must be a DNS-1123 label: lowercase letters, digits and "-", starting and ending with a letter or digit';
  return undefined;
}

/** A repo-relative folder path without `..`, absolute roots or empty segments. */
export function isSafeRepoPath(path: string): boolean {
  return path.length > 0 && !path.startsWith('/') && path.split('/').every((part) => part !== '' && part !== '.' && part !== '..');
}

/**
 * Reports unsafe and duplicate names; returns the objects that are valid and uniquely named, sorted by name.
 * Both places of a duplicate are reported.
 */
export function checkNames(decoded: readonly { spec: SpecObject<unknown>; valid: boolean }[], sink: ProblemSink): SpecObject<unknown>[] {
  const byName = new Map<string, { spec: SpecObject<unknown>; valid: boolean }[]>();
  for (const entry of decoded) {
    const name = (entry.spec.value as { metadata: { name: string } }).metadata.name;
    const reason = unsafeNameReason(name);
    if (reason) {
      sink.report({
        code: 'unsafe-name',
        ...entry.spec.doc.at(['metadata', 'name']),
        object: entry.spec.id,
        message: `name ${JSON.stringify(name)} cannot become a branch or folder name: ${reason}`,
        hint: 'rename it, e.g. "groundstation-1"',
      });
      continue;
    }
    byName.set(name, [...(byName.get(name) ?? []), entry]);
  }
  const result: SpecObject<unknown>[] = [];
  for (const [name, entries] of [...byName].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (entries.length > 1) {
      for (const entry of entries) {
        const others = entries.filter((e) => e !== entry).map((e) => `${e.spec.file}:${e.spec.doc.source.line}`);
        sink.report({
          code: 'duplicate-name',
          ...entry.spec.doc.at(['metadata', 'name']),
          object: entry.spec.id,
          message: `${JSON.stringify(name)} is defined more than once (also at ${others.join(', ')})`,
          hint: 'names are unique per kind; rename or remove one',
        });
      }
      continue;
    }
    if (entries[0]!.valid) result.push(entries[0]!.spec);
  }
  return result;
}
