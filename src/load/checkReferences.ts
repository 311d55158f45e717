import type { Customizer } from '../api/customizer.js';
import type { EdgePlacement } from '../api/placement.js';
import type { ProblemSink } from '../errors/problem.js';
import { parseJsonPath } from '../render/jsonPath.js';
import { RenderError } from '../render/renderError.js';
import { isSafeRepoPath } from './names.js';
import type { SpecObject, Workload } from './spec.js';

interface References {
  placements: readonly SpecObject<EdgePlacement>[];
  customizers: ReadonlyMap<string, SpecObject<Customizer>>;
  workloads: ReadonlyMap<string, Workload>;
  /** Names of every StatusCollector defined, valid or not. */
  collectorNames: ReadonlySet<string>;
}

/**
 * Checks what placements and customizers point at: workload folders that exist, customizers and status
 * collectors that exist, JSONPaths and JSON pointers that parse.
 */
export function checkReferences(refs: References, sink: ProblemSink): void {
  for (const placement of refs.placements) {
    placement.value.spec.workloads.forEach((workload, i) => {
      const at = placement.doc.at(['spec', 'workloads', i, 'path']);
      if (!isSafeRepoPath(workload.path)) {
        sink.report({
          code: 'unsafe-name',
          ...at,
          object: placement.id,
          message: `workload path ${JSON.stringify(workload.path)} is not a folder inside the spec repo`,
          hint: 'use a relative path without "..", e.g. workloads/telemetry',
        });
      } else if (!refs.workloads.has(workload.path)) {
        sink.report({
          code: 'missing-reference',
          ...at,
          object: placement.id,
          message: `workload folder ${JSON.stringify(workload.path)} does not exist or holds no files at this commit`,
          hint: 'create the folder with manifests, or fix the path',
        });
      }
    });
    (placement.value.spec.customizers ?? []).forEach((name, i) => {
      if (refs.customizers.has(name)) return;
      sink.report({
        code: 'missing-reference',
        ...placement.doc.at(['spec', 'customizers', i]),
        object: placement.id,
        message: `customizer ${JSON.stringify(name)} does not exist`,
        hint: `add a Customizer named ${JSON.stringify(name)} under customizers/, or remove it from the list`,
      });
    });
    (placement.value.spec.statusCollectors ?? []).forEach((name, i) => {
      if (refs.collectorNames.has(name)) return;
      sink.report({
        code: 'missing-reference',
        ...placement.doc.at(['spec', 'statusCollectors', i]),
        object: placement.id,
        message: `status collector ${JSON.stringify(name)} does not exist`,
        hint: `add a StatusCollector named ${JSON.stringify(name)} under collectors/, or remove it from the list`,
      });
    });
  }
  for (const customizer of refs.customizers.values()) checkCustomizer(customizer, sink);
}

function checkCustomizer(customizer: SpecObject<Customizer>, sink: ProblemSink): void {
  (customizer.value.spec.rules ?? []).forEach((rule, r) => {
    (rule.replacements ?? []).forEach((replacement, i) => {
      try {
        parseJsonPath(replacement.path);
      } catch (error) {
        if (!(error instanceof RenderError)) throw error;
        sink.report({
          code: 'json-path',
          ...customizer.doc.at(['spec', 'rules', r, 'replacements', i, 'path']),
          object: customizer.id,
          message: error.message,
          hint: error.hint,
        });
      }
    });
    (rule.patches ?? []).forEach((patch, i) => {
      const pointers = 'op' in patch ? [['path', patch.path], ['from', patch.from]] : [];
      for (const [field, pointer] of pointers) {
        if (pointer === undefined || pointer === '' || pointer.startsWith('/')) continue;
        sink.report({
          code: 'patch',
          ...customizer.doc.at(['spec', 'rules', r, 'patches', i, field!]),
          object: customizer.id,
          message: `${field} ${JSON.stringify(pointer)} is not a JSON pointer`,
          hint: 'JSON pointers start with "/", e.g. /metadata/labels/station',
        });
      }
    });
  });
}
