/**
 * What a kubectl-consumer edge does with its branch before applying it: check the commit out into a scratch
 * folder and build it with `kubectl kustomize` (the real kubectl and its built-in kustomize, never one from PATH),
 * exactly as `kubectl apply -k` would.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { readCommitFiles } from '../../git/refs.js';
import { SimulatedEdgeError } from './simulatedEdgeError.js';

/** A Kubernetes object from the build. */
export type Manifest = Record<string, unknown> & { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; annotations?: Record<string, string> } };

/** Where and with what to build. */
export interface BuildOptions {
  /** The repository holding `commit`. */
  gitdir: string;
  commit: string;
  /** Absolute path of the kubectl binary. */
  kubectl: string;
  /** A folder to build in; emptied and removed afterwards. */
  scratchDir: string;
}

/**
 * Checks out `commit` (every file, through two git processes) and builds it with `kubectl kustomize`. Resolves
 * with every object of the build, in kustomize's order. Rejects with BUILD_FAILED (kustomize's own message: the
 * file and what is wrong) or BAD_OUTPUT (a path that would leave the folder, a document that is no object).
 */
export async function buildOutput(options: BuildOptions): Promise<Manifest[]> {
  const files = await readCommitFiles(options.gitdir, options.commit);
  const root = path.resolve(options.scratchDir);
  await fs.rm(root, { recursive: true, force: true });
  try {
    for (const [file, text] of files) {
      const target = path.resolve(root, file);
      if (!target.startsWith(`${root}${path.sep}`) || file.split('/').includes('..')) {
        throw new SimulatedEdgeError('BAD_OUTPUT', `commit ${options.commit} has a file outside its tree: ${JSON.stringify(file)}`, { commit: options.commit, file });
      }
      await fs.mkdir(path.dirname(target), { recursive: true });
      await fs.writeFile(target, text);
    }
    const yaml = await kustomize(options.kubectl, root, options.commit);
    return manifestsOf(yaml, options.commit);
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
}

function kustomize(kubectl: string, dir: string, commit: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(kubectl, ['kustomize', dir], { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (!error) return resolve(stdout);
      const detail = (stderr.trim() || error.message).split('\n').slice(-5).join('\n').replaceAll(`${dir}/`, '');
      reject(new SimulatedEdgeError('BUILD_FAILED', `kubectl kustomize of commit ${commit} failed: ${detail}`, { commit }, { cause: error }));
    });
  });
}

/** The objects of a multi-document YAML stream; empty documents are skipped, anything else must be an object. */
export function manifestsOf(yaml: string, commit: string): Manifest[] {
  const manifests: Manifest[] = [];
  parseAllDocuments(yaml).forEach((document, index) => {
    if (document.errors.length > 0) throw new SimulatedEdgeError('BAD_OUTPUT', `document ${index + 1} of the build of ${commit}: ${document.errors[0]!.message}`, { commit, index });
    const value = document.toJSON() as unknown;
    if (value === null || value === undefined) return;
    const object = value as Partial<Manifest>;
    if (typeof object !== 'object' || Array.isArray(object) || typeof object.apiVersion !== 'string' || typeof object.kind !== 'string' || typeof object.metadata?.name !== 'string') {
      throw new SimulatedEdgeError('BAD_OUTPUT', `document ${index + 1} of the build of ${commit} is not a Kubernetes object (apiVersion, kind and metadata.name are required)`, { commit, index });
    }
    manifests.push(object as Manifest);
  });
  return manifests;
}
