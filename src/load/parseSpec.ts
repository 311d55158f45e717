import type { Customizer } from '../api/customizer.js';
import type { KubeObject } from '../api/kube.js';
import { objectKey } from '../api/kube.js';
import type { Location } from '../api/location.js';
import { API_VERSION } from '../api/meta.js';
import type { EdgePlacement } from '../api/placement.js';
import { validateAgainstSchema } from '../api/schemas.js';
import { resolveSettings, type Settings } from '../api/settings.js';
import type { StatusCollector } from '../api/statusCollector.js';
import type { ProblemSink } from '../errors/problem.js';
import { compileTemplate } from '../render/template.js';
import { RenderError } from '../render/renderError.js';
import { compileCollector } from '../status/compileCollector.js';
import { checkNames, isSafeRepoPath } from './names.js';
import { checkReferences } from './checkReferences.js';
import { checkRollouts } from './checkRollouts.js';
import type { LoadedCollector, Manifest, Spec, SpecFiles, SpecObject, TemplateFile, Workload } from './spec.js';
import { parseYamlDocuments, type YamlDocument } from './yamlDocuments.js';

type SpecKind = 'Location' | 'EdgePlacement' | 'Customizer' | 'StatusCollector';
const SPEC_KINDS: readonly SpecKind[] = ['Location', 'EdgePlacement', 'Customizer', 'StatusCollector'];
const MANIFEST_FILE = /\.ya?ml$/;
const TEMPLATE_FILE = /\.ya?ml\.hbs$/;

/**
 * Reads and validates a spec commit: settings, inventory, placements, customizers, status collectors (their
 * CEL compiled) and every workload a placement names. Every problem goes to `sink`; the result holds only the
 * objects that were valid.
 */
export function parseSpec(input: SpecFiles, sink: ProblemSink): Spec {
  const settings = parseSettings(input.files, sink);
  const folders = [settings.inventoryPath, settings.placementsPath, settings.customizersPath, settings.collectorsPath];
  const objects: Record<SpecKind, Decoded[]> = { Location: [], EdgePlacement: [], Customizer: [], StatusCollector: [] };

  for (const [file, text] of sortedFiles(input.files)) {
    if (!MANIFEST_FILE.test(file) || !folders.some((folder) => isUnder(file, folder))) continue;
    for (const doc of parseYamlDocuments(text, file, sink)) {
      const object = decodeSpecObject(doc, file, sink);
      if (object) objects[object.kind].push(object);
    }
  }

  const locations = checkNames(objects.Location, sink) as SpecObject<Location>[];
  const placements = checkNames(objects.EdgePlacement, sink) as SpecObject<EdgePlacement>[];
  const customizerList = checkNames(objects.Customizer, sink) as SpecObject<Customizer>[];
  const customizers = new Map(customizerList.map((c) => [c.value.metadata.name, c]));
  const collectors = new Map<string, LoadedCollector>();
  for (const object of checkNames(objects.StatusCollector, sink) as SpecObject<StatusCollector>[]) {
    const program = compileCollector(object, sink);
    if (program) collectors.set(object.value.metadata.name, { object, program });
  }
  // A collector that exists but failed to compile is reported once, where it is wrong, not again where it is named.
  const collectorNames = new Set(objects.StatusCollector.map((c) => (c.spec.value as StatusCollector).metadata.name));

  const workloads = new Map<string, Workload>();
  for (const placement of placements) {
    for (const ref of placement.value.spec.workloads) {
      if (!workloads.has(ref.path) && isSafeRepoPath(ref.path)) {
        const workload = readWorkload(ref.path, input.files, sink);
        if (workload) workloads.set(ref.path, workload);
      }
    }
  }
  checkReferences({ placements, customizers, workloads, collectorNames }, sink);
  checkRollouts({ placements, locations, settings }, sink);
  return { commit: input.commit, settings, locations, placements, customizers, collectors, workloads };
}

function parseSettings(files: Map<string, string>, sink: ProblemSink) {
  const file = 'edgeplane.yaml';
  const text = files.get(file);
  if (text === undefined) return resolveSettings(undefined);
  const [doc] = parseYamlDocuments(text, file, sink);
  if (!doc) return resolveSettings(undefined);
  const issues = validateAgainstSchema('Settings', doc.value);
  for (const issue of issues) {
    const at = doc.at(issue.path);
    sink.report({ code: 'schema', ...at, object: 'Settings', message: issue.message, hint: issue.hint });
  }
  return resolveSettings(issues.length === 0 ? (doc.value as Settings) : undefined);
}

/** A spec document that is one of the kinds; `valid` when it also passed its schema. */
interface Decoded {
  kind: SpecKind;
  spec: SpecObject<unknown>;
  valid: boolean;
}

function decodeSpecObject(doc: YamlDocument, file: string, sink: ProblemSink): Decoded | undefined {
  const value = doc.value as Record<string, unknown>;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    sink.report({
      code: 'not-an-object',
      ...doc.source,
      message: 'a spec document must be a mapping with apiVersion, kind and metadata',
      hint: `start the document with "apiVersion: ${API_VERSION}" and a kind`,
    });
    return undefined;
  }
  const kind = value['kind'];
  const name = (value['metadata'] as { name?: unknown } | undefined)?.name;
  const id = `${String(kind)}/${typeof name === 'string' ? name : '?'}`;
  if (value['apiVersion'] !== API_VERSION || !SPEC_KINDS.includes(kind as SpecKind)) {
    sink.report({
      code: 'unknown-kind',
      ...doc.at(['kind']),
      object: id,
      message: `unknown kind ${JSON.stringify(kind)} of apiVersion ${JSON.stringify(value['apiVersion'])}`,
      hint: `spec folders hold ${SPEC_KINDS.join(', ')} of apiVersion ${API_VERSION}; manifests belong in a workload folder`,
    });
    return undefined;
  }
  const issues = validateAgainstSchema(kind as SpecKind, value).filter(
    (issue) => !(issue.path[0] === 'metadata' && issue.path[1] === 'name'),
  );
  for (const issue of issues) {
    sink.report({ code: 'schema', ...doc.at(issue.path), object: id, message: issue.message, hint: issue.hint });
  }
  if (typeof name !== 'string') return undefined;
  // An object with schema problems still takes part in the name checks, so duplicates are found too.
  return { kind: kind as SpecKind, spec: { value, file, doc, id }, valid: issues.length === 0 };
}

function readWorkload(path: string, files: Map<string, string>, sink: ProblemSink): Workload | undefined {
  const manifests: Manifest[] = [];
  const templates: TemplateFile[] = [];
  let found = false;
  const seen = new Map<string, Manifest>();
  for (const [file, text] of sortedFiles(files)) {
    if (!isUnder(file, path)) continue;
    found = true;
    if (TEMPLATE_FILE.test(file)) {
      try {
        templates.push({ file, template: compileTemplate(text, file) });
      } catch (error) {
        reportRenderError(error, file, sink);
      }
    } else if (MANIFEST_FILE.test(file)) {
      for (const doc of parseYamlDocuments(text, file, sink)) {
        const manifest = decodeManifest(doc, file, sink);
        if (!manifest) continue;
        const key = objectKey(manifest.object);
        const twin = seen.get(key);
        if (twin) {
          sink.report({
            code: 'duplicate-name',
            ...doc.source,
            object: `${manifest.object.kind}/${manifest.object.metadata.name}`,
            message: `the workload has this object twice (also at ${twin.file}:${twin.doc.source.line})`,
            hint: 'remove one of them or give them different names',
          });
          continue;
        }
        seen.set(key, manifest);
        manifests.push(manifest);
      }
    }
  }
  return found ? { path, manifests, templates } : undefined;
}

/** Checks a workload document is a Kubernetes object edgeplane can place. */
export function decodeManifest(doc: YamlDocument, file: string, sink: ProblemSink): Manifest | undefined {
  const value = doc.value as Partial<KubeObject> | null;
  const problem = manifestProblem(value);
  if (problem) {
    const name = value && typeof value === 'object' ? value.metadata?.name : undefined;
    sink.report({
      code: problem.code,
      ...doc.at(problem.path),
      ...(typeof value?.kind === 'string' ? { object: `${value.kind}/${String(name ?? '?')}` } : {}),
      message: problem.message,
      hint: problem.hint,
    });
    return undefined;
  }
  return { object: value as KubeObject, file, doc };
}

function manifestProblem(value: Partial<KubeObject> | null) {
  const at = (path: (string | number)[], message: string, hint: string, code: 'schema' | 'not-an-object' = 'schema') => ({
    code,
    path,
    message,
    hint,
  });
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return at([], 'a manifest must be a mapping (a Kubernetes object)', 'write one object per YAML document', 'not-an-object');
  }
  if (typeof value.apiVersion !== 'string' || value.apiVersion === '') {
    return at(['apiVersion'], 'the object has no apiVersion', 'add apiVersion, e.g. "apps/v1"');
  }
  if (typeof value.kind !== 'string' || value.kind === '') return at(['kind'], 'the object has no kind', 'add kind, e.g. "Deployment"');
  if (value.apiVersion.startsWith('kustomize.config.k8s.io/')) {
    return at(['apiVersion'], 'workload folders hold plain manifests, not kustomize files', 'move kustomization.yaml out of the workload folder; use a Customizer for per-location changes');
  }
  const meta = value.metadata;
  if (typeof meta !== 'object' || meta === null || typeof meta.name !== 'string' || meta.name === '') {
    return at(['metadata', 'name'], 'the object has no metadata.name', 'give the object a name');
  }
  if (!/^[a-z0-9]([-a-z0-9.:]*[a-z0-9])?$/.test(meta.name) || meta.name.length > 253) {
    return at(['metadata', 'name'], `metadata.name ${JSON.stringify(meta.name)} is not a valid Kubernetes name`, 'use lowercase letters, digits, "-" and "."');
  }
  if (meta.namespace !== undefined && (typeof meta.namespace !== 'string' || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(meta.namespace))) {
    return at(['metadata', 'namespace'], `metadata.namespace ${JSON.stringify(meta.namespace)} is not a valid namespace name`, 'use a DNS-1123 label: lowercase letters, digits and "-"');
  }
  return undefined;
}

/** Reports a template or path error thrown while compiling, at its line in the file. */
export function reportRenderError(error: unknown, file: string, sink: ProblemSink, extra: { object?: string; placement?: string } = {}): void {
  if (!(error instanceof RenderError)) throw error;
  sink.report({
    code: error.code,
    file,
    line: error.line ?? 0,
    col: error.col ?? 0,
    ...extra,
    message: error.message,
    hint: error.hint,
  });
}

function sortedFiles(files: Map<string, string>): [string, string][] {
  return [...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function isUnder(file: string, folder: string): boolean {
  const prefix = folder.replace(/\/+$/, '') + '/';
  return file.startsWith(prefix);
}
