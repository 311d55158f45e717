import * as fs from 'node:fs';
import type { Command } from 'commander';
import { EdgeplaneError } from '../errors/edgeplaneError.js';
import type { GitAuth } from '../load/readSpecFiles.js';
import type { OutputOverrides } from '../reconcile/openOutput.js';
import type { SpecSource } from '../reconcile/loadSpec.js';

/** Options every command that reads a spec repo takes. */
export interface RepoOptions {
  repo: string;
  ref?: string;
  tokenFile?: string;
  cacheDir?: string;
  output?: string;
  mode?: 'branch' | 'folder';
}

/** Adds the spec-repo options to a command. */
export function withRepoOptions(command: Command): Command {
  return command
    .option('-r, --repo <path|url>', 'the spec repo: a local path or an http(s) URL', '.')
    .option('--ref <ref>', 'branch, tag or commit of the spec repo (default: HEAD, or main for a URL)')
    .option('--token-file <file>', 'file holding the Git token for http(s) remotes (else $EDGEPLANE_GIT_TOKEN)')
    .option('--cache-dir <dir>', 'where remote repos are cached (default ~/.cache/edgeplane)')
    .option('--output <path|url>', "output repo, overriding edgeplane.yaml's spec.output.repo ('self' = the spec repo)")
    .option('--mode <mode>', 'branch or folder, overriding edgeplane.yaml');
}

/**
 * Git credentials from a file or the environment, never from the command line: a token passed as an
 * argument would show in process listings and shell history.
 */
export function readAuth(options: RepoOptions, env: NodeJS.ProcessEnv = process.env): GitAuth | undefined {
  let token = env['EDGEPLANE_GIT_TOKEN'];
  if (options.tokenFile) {
    try {
      token = fs.readFileSync(options.tokenFile, 'utf8').trim();
    } catch (error) {
      throw new EdgeplaneError('AUTH', `cannot read the token file ${options.tokenFile}: ${(error as Error).message}`, {}, { cause: error });
    }
  }
  if (!token) return undefined;
  return { username: env['EDGEPLANE_GIT_USERNAME'] ?? 'x-access-token', token };
}

export function specSource(options: RepoOptions): SpecSource {
  return { repo: options.repo, ref: options.ref, auth: readAuth(options), cacheDir: options.cacheDir };
}

export function outputOverrides(options: RepoOptions): OutputOverrides {
  if (options.mode !== undefined && options.mode !== 'branch' && options.mode !== 'folder') {
    throw new EdgeplaneError('BAD_ARGUMENT', `--mode must be branch or folder, not ${JSON.stringify(options.mode)}`);
  }
  return { repo: options.output, mode: options.mode, auth: readAuth(options) };
}
