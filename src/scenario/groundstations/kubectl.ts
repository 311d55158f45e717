/**
 * Which kubectl the simulated edges build and apply with. Never one found on PATH: the scenario's numbers must not
 * depend on whatever a machine happens to have, so it is the one given, or the pinned one the project's fetch
 * script installs (the same the tests use, test/support/tools.ts).
 */
import { accessSync, constants } from 'node:fs';
import * as path from 'node:path';
import { EdgeplaneError } from '../../errors/edgeplaneError.js';
import { packageRoot } from '../../util/packageRoot.js';

/** Where `npm run fetch-tools` puts the pinned kubectl (with its built-in kustomize). */
export function cachedKubectl(root: string = packageRoot()): string {
  return path.join(root, 'node_modules', '.cache', 'edgeplane-tools', 'kubectl');
}

/**
 * `given` when set (it must be an executable file), else the cached pinned kubectl. Throws BAD_ARGUMENT saying how
 * to get one when neither is usable.
 */
export function resolveKubectl(given: string | undefined, root?: string): string {
  if (given !== undefined) {
    const file = path.resolve(given);
    if (!isExecutable(file)) throw new EdgeplaneError('BAD_ARGUMENT', `--kubectl ${given}: not an executable file; give the path of a kubectl binary`, { kubectl: file });
    return file;
  }
  const cached = cachedKubectl(root);
  if (!isExecutable(cached)) {
    throw new EdgeplaneError(
      'BAD_ARGUMENT',
      `no kubectl: the pinned one is not at ${cached}. Run \`npm run fetch-tools\` in the edgeplane folder to fetch it, or pass --kubectl <path> (a kubectl on PATH is never used)`,
      { kubectl: cached },
    );
  }
  return cached;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
