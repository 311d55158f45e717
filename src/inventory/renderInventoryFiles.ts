/**
 * The files an inventory import writes, in edgeplane's canonical YAML: byte-stable for the same input.
 */
import { toCanonicalYaml } from '../render/canonicalYaml.js';
import type { ImportedLocation } from './locationsFromClusters.js';

/** The comment every document an import writes starts with: how a re-import knows its own files. */
export const IMPORT_MARKER = '# Imported by `edgeplane inventory import`';

/** Where imported Locations go: one multi-document file, or one `<name>.yaml` per location in a folder. */
export type InventoryLayout = { file: string } | { folder: string };

/**
 * Repo-relative path → file text, sorted by path. Each document starts with a comment naming the
 * cluster it was imported from; documents are sorted by location name.
 */
export function renderInventoryFiles(locations: readonly ImportedLocation[], layout: InventoryLayout): Map<string, string> {
  const sorted = [...locations].sort((a, b) => (a.location.metadata.name < b.location.metadata.name ? -1 : 1));
  const doc = (l: ImportedLocation) => `${IMPORT_MARKER} from ${l.source}.\n${toCanonicalYaml(l.location)}`;
  if ('file' in layout) return new Map(sorted.length > 0 ? [[layout.file, sorted.map(doc).join('---\n')]] : []);
  const folder = layout.folder.replace(/\/+$/, '');
  return new Map(sorted.map((l) => [`${folder === '' || folder === '.' ? '' : `${folder}/`}${l.location.metadata.name}.yaml`, doc(l)]));
}
