/**
 * The spec repo's working tree as an import sees it: which Location names its inventory already has,
 * and writing the new files without clobbering anything unasked.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { ImportProblem } from './clusterRecord.js';
import { IMPORT_MARKER } from './renderInventoryFiles.js';

/**
 * Location name → repo-relative file, for every `kind: Location` in YAML files under `inventoryDir`
 * (recursively), leaving out the files in `replaced`. Files that do not parse are skipped: `validate`
 * reports those.
 */
export function existingLocationNames(repoDir: string, inventoryDir: string, replaced: ReadonlySet<string>): Map<string, string> {
  const names = new Map<string, string>();
  for (const file of yamlFiles(repoDir, inventoryDir)) {
    if (replaced.has(file)) continue;
    for (const doc of parseAllDocuments(fs.readFileSync(path.join(repoDir, file), 'utf8'))) {
      if (doc.errors.length > 0) continue;
      const value = doc.toJS() as { kind?: unknown; metadata?: { name?: unknown } } | null;
      if (value?.kind === 'Location' && typeof value.metadata?.name === 'string' && !names.has(value.metadata.name)) names.set(value.metadata.name, file);
    }
  }
  return names;
}

function yamlFiles(repoDir: string, dir: string): string[] {
  const full = path.join(repoDir, dir);
  if (!fs.existsSync(full) || !fs.statSync(full).isDirectory()) return [];
  return fs
    .readdirSync(full, { withFileTypes: true })
    .flatMap((entry) => {
      const rel = path.posix.join(dir, entry.name);
      if (entry.isDirectory()) return yamlFiles(repoDir, rel);
      return /\.ya?ml$/.test(entry.name) ? [rel] : [];
    })
    .sort();
}

/**
 * Problems for files that exist: without `force`, each one; with `force`, those that hold something an
 * import did not write and will not write again (a hand-written Location, other YAML), which overwriting
 * would lose.
 */
export function overwriteProblems(repoDir: string, files: ReadonlyMap<string, string>, force: boolean): ImportProblem[] {
  const problems: ImportProblem[] = [];
  for (const [file, text] of files) {
    const target = path.resolve(repoDir, file);
    if (!fs.existsSync(target)) continue;
    if (!force) {
      problems.push({ source: file, message: 'the file exists', hint: 'pass --force to overwrite it, or write elsewhere with --out' });
      continue;
    }
    const current = fs.readFileSync(target, 'utf8');
    const chunks = current.split(/^---[ \t]*$/m).filter((chunk) => chunk.trim() !== '');
    if (chunks.every((chunk) => chunk.trimStart().startsWith(IMPORT_MARKER))) continue;
    const kept = new Set(locations(text).names);
    const { names, other } = locations(current);
    const lost = names.filter((name) => !kept.has(name));
    if (lost.length > 0 || other > 0) {
      problems.push({
        source: file,
        message: lost.length > 0 ? `the file holds Locations this import does not write (${lost.join(', ')}): overwriting it would delete them` : 'the file holds documents that are not Locations',
        hint: 'write elsewhere with --out, or move them out of the file first',
      });
    }
  }
  return problems;
}

/** The Location names of a YAML text, and how many other (non-empty) documents it has. */
function locations(text: string): { names: string[]; other: number } {
  const names: string[] = [];
  let other = 0;
  for (const doc of parseAllDocuments(text)) {
    const value = doc.errors.length === 0 ? (doc.toJS() as { kind?: unknown; metadata?: { name?: unknown } } | null) : undefined;
    if (value === null) continue;
    if (value?.kind === 'Location' && typeof value.metadata?.name === 'string') names.push(value.metadata.name);
    else other++;
  }
  return { names, other };
}

/** Writes every file, each through a temporary file and a rename, so none is ever half written. */
export function writeFiles(repoDir: string, files: ReadonlyMap<string, string>): void {
  for (const [file, text] of files) {
    const target = path.resolve(repoDir, file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const temporary = `${target}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, text);
    fs.renameSync(temporary, target);
  }
}
