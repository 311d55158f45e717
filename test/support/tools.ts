/**
 * The real kubectl (with its built-in kustomize v5) and helm binaries for end-to-end tests.
 *
 * `node test/support/tools/fetch-tools.js` (run by `npm test` before mocha) unpacks pinned versions into
 * node_modules/.cache/edgeplane-tools/. Tests use only those: a kubectl or helm on PATH is never consulted, so
 * every machine renders with the same versions.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const FETCH_COMMAND = 'node test/support/tools/fetch-tools.js';

/** A pinned binary is not in the cache: the fetch script has not run (or was interrupted). */
export class ToolMissingError extends Error {
  readonly code = 'TOOL_MISSING';
  readonly data: { tool: string; path: string };

  constructor(tool: string, path: string) {
    super(`${tool} is not installed at ${path}; run \`${FETCH_COMMAND}\` from the project root (npm test does)`);
    this.name = 'ToolMissingError';
    this.data = { tool, path };
  }
}

/** The project root: the nearest folder above this module holding package.json (works from test/ and dist/test/). */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
  return dir;
}

/** The folder the fetch script installs into. */
export function toolsDir(): string {
  return join(projectRoot(), 'node_modules', '.cache', 'edgeplane-tools');
}

/** Absolute path of the pinned kubectl (v1.35, kustomize v5). Throws `ToolMissingError` when not fetched. */
export function kubectlPath(): string {
  return cachedTool('kubectl');
}

/** Absolute path of the pinned helm (v4). Throws `ToolMissingError` when not fetched. */
export function helmPath(): string {
  return cachedTool('helm');
}

function cachedTool(tool: string): string {
  const path = join(toolsDir(), tool);
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new ToolMissingError(tool, path);
  }
  return path;
}

/**
 * Runs `kubectl kustomize <dir>` with the pinned kubectl and resolves to the rendered YAML.
 * Rejects with kustomize's stderr in the message when the build fails.
 *
 * Kustomizations with `helmCharts` are not supported: kustomize 5.7 probes helm with `helm version -c`,
 * a flag helm 4 removed. Render charts with `helmPath()` and `helm template` instead.
 */
export function kustomizeBuild(dir: string): Promise<string> {
  const kubectl = kubectlPath();
  return new Promise((resolve, reject) => {
    execFile(kubectl, ['kustomize', dir], { maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) {
        const detail = stderr.trim() || error.message;
        reject(new Error(`kubectl kustomize ${dir} failed: ${detail}`, { cause: error }));
        return;
      }
      resolve(stdout);
    });
  });
}
