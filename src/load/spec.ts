import type { Customizer } from '../api/customizer.js';
import type { KubeObject } from '../api/kube.js';
import type { Location } from '../api/location.js';
import type { EdgePlacement } from '../api/placement.js';
import type { ResolvedSettings } from '../api/settings.js';
import type { StatusCollector } from '../api/statusCollector.js';
import type { CompiledCollector } from '../status/compileCollector.js';
import type { CompiledTemplate } from '../render/template.js';
import type { YamlDocument } from './yamlDocuments.js';

/** An edgeplane object of the spec repo and the document it was read from. */
export interface SpecObject<T> {
  value: T;
  file: string;
  doc: YamlDocument;
  /** `Kind/name`, for messages. */
  id: string;
}

/** A plain manifest of a workload folder. */
export interface Manifest {
  object: KubeObject;
  file: string;
  doc: YamlDocument;
}

/** A `*.yaml.hbs` file of a workload folder: rendered per location, then parsed. */
export interface TemplateFile {
  file: string;
  template: CompiledTemplate;
}

/** A workload folder: its plain manifests and its templates, in file order. */
export interface Workload {
  path: string;
  manifests: Manifest[];
  templates: TemplateFile[];
}

/** Everything read from one spec commit, validated. */
export interface Spec {
  commit: string;
  settings: ResolvedSettings;
  locations: SpecObject<Location>[];
  placements: SpecObject<EdgePlacement>[];
  customizers: Map<string, SpecObject<Customizer>>;
  /** Valid status collectors, by name, with their compiled CEL. */
  collectors: Map<string, LoadedCollector>;
  /** By folder path, as placements name them. */
  workloads: Map<string, Workload>;
}

/** A StatusCollector and its compiled expressions. */
export interface LoadedCollector {
  object: SpecObject<StatusCollector>;
  program: CompiledCollector;
}

/** The files of a spec commit: path → text. */
export interface SpecFiles {
  commit: string;
  files: Map<string, string>;
}
