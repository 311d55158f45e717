/**
 * Builds the `Forge` a configuration names. The token comes from a file or an environment variable, never from
 * the configuration itself (which lives in Git), and is never part of a message.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { EdgeplaneError } from '../errors/edgeplaneError.js';
import type { Forge } from './forge.js';
import { GitHubForge } from './githubForge.js';

/** The forges edgeplane knows. */
export type ForgeType = 'github' | 'gitea';

/** How to reach a forge. */
export interface ForgeConfig {
  /**
   * `github`: GitHub or GitHub Enterprise Server. `gitea`: Gitea or Forgejo (through their GitHub-compatible API).
   * Typed as string because it comes from user files: anything else is a BAD_ARGUMENT naming the known types.
   */
  type: string;
  /**
   * The REST API base. `github`: default `https://api.github.com`; GitHub Enterprise Server
   * `https://<host>/api/v3`. `gitea`: required; the server's address, with or without the `/api/v1` suffix
   * (added when missing).
   */
  url?: string;
  /** The repository's owner: user or organization. */
  owner: string;
  /** The repository's name. */
  repo: string;
  /** A file holding the token (alone; surrounding whitespace is ignored). Relative paths are from `cwd`. */
  tokenFile?: string;
  /**
   * An environment variable holding the token. When neither `tokenFile` nor `tokenEnv` is set: `GITHUB_TOKEN`
   * for `github`, `GITEA_TOKEN` for `gitea`.
   */
  tokenEnv?: string;
}

/** Where `createForge` reads from; every field defaults to the process's own. */
export interface CreateForgeContext {
  env?: Readonly<Record<string, string | undefined>>;
  /** Folder relative `tokenFile`s are resolved from. */
  cwd?: string;
  /** Passed to the forge client (tests, proxies). */
  fetch?: typeof globalThis.fetch;
  /** Per-request time limit in milliseconds. Default 30000. */
  timeoutMs?: number;
}

interface ForgeKind {
  defaultUrl: string | undefined;
  defaultTokenEnv: string;
  apiUrl(url: string): string;
}

/** The registry: one entry per forge type. */
const KINDS: Record<ForgeType, ForgeKind> = {
  github: { defaultUrl: 'https://api.github.com', defaultTokenEnv: 'GITHUB_TOKEN', apiUrl: (url) => url },
  gitea: {
    defaultUrl: undefined,
    defaultTokenEnv: 'GITEA_TOKEN',
    apiUrl: (url) => {
      const trimmed = url.replace(/\/+$/, '');
      return trimmed.endsWith('/api/v1') ? trimmed : `${trimmed}/api/v1`;
    },
  },
};

/** The known forge types, sorted. */
export const FORGE_TYPES: readonly ForgeType[] = (Object.keys(KINDS) as ForgeType[]).sort();

/**
 * The forge `config` describes, with its token read. Throws BAD_ARGUMENT for an unknown type, a missing `url`
 * (gitea), both or an unreadable token source, and AUTH when the token variable or file is empty. Makes no
 * request: a wrong token shows on first use.
 */
export async function createForge(config: ForgeConfig, context: CreateForgeContext = {}): Promise<Forge> {
  const kind = isForgeType(config.type) ? KINDS[config.type] : undefined;
  if (kind === undefined) {
    throw new EdgeplaneError(
      'BAD_ARGUMENT',
      `unknown forge type ${JSON.stringify(config.type)}; known types: ${FORGE_TYPES.join(', ')} (use gitea for Forgejo)`,
      { type: config.type, known: [...FORGE_TYPES] },
    );
  }
  const url = config.url ?? kind.defaultUrl;
  if (url === undefined || url === '') {
    throw new EdgeplaneError('BAD_ARGUMENT', `forge type ${config.type} needs a url, e.g. https://gitea.example.com`, { type: config.type });
  }
  const token = await readToken(config, kind, context);
  return new GitHubForge({
    kind: config.type,
    apiUrl: kind.apiUrl(url),
    owner: config.owner,
    repo: config.repo,
    token,
    ...(context.fetch === undefined ? {} : { fetch: context.fetch }),
    ...(context.timeoutMs === undefined ? {} : { timeoutMs: context.timeoutMs }),
  });
}

function isForgeType(type: string): type is ForgeType {
  return Object.prototype.hasOwnProperty.call(KINDS, type);
}

async function readToken(config: ForgeConfig, kind: ForgeKind, context: CreateForgeContext): Promise<string> {
  if (config.tokenFile !== undefined && config.tokenEnv !== undefined) {
    throw new EdgeplaneError('BAD_ARGUMENT', 'set one of the forge tokenFile and tokenEnv, not both', {
      tokenFile: config.tokenFile,
      tokenEnv: config.tokenEnv,
    });
  }
  if (config.tokenFile !== undefined) {
    const path = isAbsolute(config.tokenFile) ? config.tokenFile : resolve(context.cwd ?? process.cwd(), config.tokenFile);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      const reason = (error as { code?: unknown }).code ?? 'unreadable';
      throw new EdgeplaneError('BAD_ARGUMENT', `cannot read the forge token file ${path} (${String(reason)})`, { tokenFile: path });
    }
    const token = text.trim();
    if (token === '') throw new EdgeplaneError('AUTH', `the forge token file ${path} is empty`, { tokenFile: path });
    return token;
  }
  const variable = config.tokenEnv ?? kind.defaultTokenEnv;
  const token = (context.env ?? process.env)[variable]?.trim() ?? '';
  if (token === '') {
    throw new EdgeplaneError('AUTH', `no forge token: the environment variable ${variable} is not set or empty (or set tokenFile)`, {
      tokenEnv: variable,
    });
  }
  return token;
}
