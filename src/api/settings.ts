import type { Consumer } from './location.js';

/**
 * `edgeplane.yaml` at the root of the spec repo: where things are and where output goes.
 * Every field is optional; the accessors below apply the defaults.
 */
export interface Settings {
  apiVersion: 'edgeplane.io/v1alpha1';
  kind: 'Settings';
  spec?: SettingsSpec;
}

export interface SettingsSpec {
  /** Where rendered output goes. */
  output?: OutputSettings;
  /** Folders of the spec repo. */
  paths?: PathSettings;
  /** Defaults for locations. */
  defaults?: { consumer?: Consumer };
  /** Where reports and summaries live, and when a report is stale. */
  status?: StatusSettings;
  /** The forge that hosts the output repo: rollouts with `review: pullRequest` open their pull requests there. */
  forge?: ForgeSettings;
}

/** A GitHub-compatible forge and the repository pull requests are opened in (see src/forge/createForge.ts). */
export interface ForgeSettings {
  /** `github` (GitHub, GitHub Enterprise Server) or `gitea` (Gitea, Forgejo). */
  type: 'github' | 'gitea';
  /** REST API base. Default `https://api.github.com` for `github`; required for `gitea`. */
  url?: string;
  /** Owner (user or organization) of the repository. */
  owner: string;
  /** Repository name. */
  repo: string;
  /** A file holding the API token; relative to the working directory. */
  tokenFile?: string;
  /** An environment variable holding the API token. Default `GITHUB_TOKEN` (github), `GITEA_TOKEN` (gitea). */
  tokenEnv?: string;
}

export interface StatusSettings {
  /** A report older than this is stale: a Go-style duration (`90s`, `15m`, `1h30m`). Default `15m`. */
  staleAfter?: string;
  /** The branch of the output repo holding the summaries. Default `edgeplane-status`. */
  branch?: string;
  /** Branch prefix of the reports: `edgeplane-reports/` → `edgeplane-reports/<location>`. Default `edgeplane-reports/`. */
  reportBranchPrefix?: string;
}

export interface OutputSettings {
  /**
   * The output repository: absent or `self` writes into the spec repo; otherwise a local path or an
   * http(s) URL of a separate deploy repo.
   */
  repo?: string;
  /** `branch` (default): one branch per location; `folder`: `locations/<name>/` on one branch. */
  mode?: 'branch' | 'folder';
  /** Branch prefix of branch mode. Default `edgeplane/`. */
  branchPrefix?: string;
  /** The branch of folder mode. Default `edgeplane-locations` (outside the branch prefix, so no location can collide with it). */
  folderBranch?: string;
  /**
   * The URL Argo CD, Flux and the kubectl script pull the output repo from, written into the bootstrap
   * manifests. Default: the output repo's URL (a `file://` URL for a local one, which Flux does not accept).
   */
  pullURL?: string;
}

export interface PathSettings {
  /** Default `inventory`. */
  inventory?: string;
  /** Default `placements`. */
  placements?: string;
  /** Default `customizers`. */
  customizers?: string;
  /** Default `collectors`. */
  collectors?: string;
}

/** Settings with every default applied. */
export interface ResolvedSettings {
  outputRepo: string;
  /** Absent: derived from where the output is (see OutputSettings.pullURL). */
  pullURL?: string;
  mode: 'branch' | 'folder';
  branchPrefix: string;
  folderBranch: string;
  inventoryPath: string;
  placementsPath: string;
  customizersPath: string;
  collectorsPath: string;
  defaultConsumer: Consumer;
  staleAfter: string;
  statusBranch: string;
  reportBranchPrefix: string;
  /** Absent: no forge configured. */
  forge?: ForgeSettings;
}

/** Applies the documented defaults to a (possibly absent) settings file. */
export function resolveSettings(settings: Settings | undefined): ResolvedSettings {
  const spec = settings?.spec ?? {};
  return {
    outputRepo: spec.output?.repo ?? 'self',
    ...(spec.output?.pullURL ? { pullURL: spec.output.pullURL } : {}),
    mode: spec.output?.mode ?? 'branch',
    branchPrefix: spec.output?.branchPrefix ?? 'edgeplane/',
    folderBranch: spec.output?.folderBranch ?? 'edgeplane-locations',
    inventoryPath: spec.paths?.inventory ?? 'inventory',
    placementsPath: spec.paths?.placements ?? 'placements',
    customizersPath: spec.paths?.customizers ?? 'customizers',
    collectorsPath: spec.paths?.collectors ?? 'collectors',
    defaultConsumer: spec.defaults?.consumer ?? 'kubectl',
    staleAfter: spec.status?.staleAfter ?? '15m',
    statusBranch: spec.status?.branch ?? 'edgeplane-status',
    reportBranchPrefix: spec.status?.reportBranchPrefix ?? 'edgeplane-reports/',
    ...(spec.forge ? { forge: spec.forge } : {}),
  };
}
