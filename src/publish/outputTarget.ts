import type { GitAuth } from '../load/readSpecFiles.js';

/** Where a reconcile writes: a local repository, and optionally the remote it mirrors. */
export interface OutputTarget {
  /** The local repository that receives objects and refs (the spec repo itself, or a cache of a remote). */
  gitdir: string;
  /** When set, location refs are fetched from here before rendering and pushed here after. */
  remote?: { url: string; auth?: GitAuth | undefined } | undefined;
  mode: 'branch' | 'folder';
  /** Branch mode: `edgeplane/` → `refs/heads/edgeplane/<location>`. */
  branchPrefix: string;
  /** Folder mode: the one branch holding `locations/<location>/`. */
  folderBranch: string;
}

/** The full ref of a location's branch (branch mode). */
export function locationRef(target: OutputTarget, location: string): string {
  return `refs/heads/${target.branchPrefix}${location}`;
}

/** The full ref of the folder-mode branch. */
export function folderRef(target: OutputTarget): string {
  return `refs/heads/${target.folderBranch}`;
}

/** The folder of a location on the folder-mode branch. */
export function locationFolder(location: string): string {
  return `locations/${location}`;
}
