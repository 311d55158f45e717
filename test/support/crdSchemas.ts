import * as fs from 'node:fs';
import * as path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { parseAllDocuments } from 'yaml';
import { ROOT } from './specRepo.js';

/**
 * Validators from the real upstream CRDs in test/reference/crds: each served version's openAPIV3Schema, as the
 * API server would check an object. Kubernetes' `x-kubernetes-*` extensions are not JSON Schema keywords and
 * are ignored; `int-or-string` and other Kubernetes formats are not checked.
 */
export class CrdSchemas {
  readonly #validators = new Map<string, ValidateFunction>();

  constructor(dir = path.join(ROOT, 'test', 'reference', 'crds')) {
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
      for (const doc of parseAllDocuments(fs.readFileSync(path.join(dir, file), 'utf8'))) {
        const crd = doc.toJS() as { kind?: string; spec?: { group: string; names: { kind: string }; versions: { name: string; schema?: { openAPIV3Schema: object } }[] } };
        if (crd?.kind !== 'CustomResourceDefinition' || !crd.spec) continue;
        for (const version of crd.spec.versions) {
          if (version.schema) this.#validators.set(`${crd.spec.group}/${version.name}/${crd.spec.names.kind}`, ajv.compile(version.schema.openAPIV3Schema));
        }
      }
    }
  }

  /** The schema problems of an object, or throws when no CRD defines its apiVersion and kind. */
  problems(object: { apiVersion: string; kind: string }): string[] {
    const validate = this.#validators.get(`${object.apiVersion}/${object.kind}`);
    if (!validate) throw new Error(`no CRD in test/reference/crds defines ${object.apiVersion} ${object.kind}`);
    return validate(object) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
  }
}
