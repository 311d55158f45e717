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
}

export interface PathSettings {
  /** Default `inventory`. */
  inventory?: string;
  /** Default `placements`. */
  placements?: string;
  /** Default `customizers`. */
  customizers?: string;
}

/** Settings with every default applied. */
export interface ResolvedSettings {
  outputRepo: string;
  mode: 'branch' | 'folder';
  branchPrefix: string;
  folderBranch: string;
  inventoryPath: string;
  placementsPath: string;
  customizersPath: string;
  defaultConsumer: Consumer;
}

/** Applies the documented defaults to a (possibly absent) settings file. */
export function resolveSettings(settings: Settings | undefined): ResolvedSettings {
  const spec = settings?.spec ?? {};
  return {
    outputRepo: spec.output?.repo ?? 'self',
    mode: spec.output?.mode ?? 'branch',
    branchPrefix: spec.output?.branchPrefix ?? 'edgeplane/',
    folderBranch: spec.output?.folderBranch ?? 'edgeplane-locations',
    inventoryPath: spec.paths?.inventory ?? 'inventory',
    placementsPath: spec.paths?.placements ?? 'placements',
    customizersPath: spec.paths?.customizers ?? 'customizers',
    defaultConsumer: spec.defaults?.consumer ?? 'kubectl',
  };
}
