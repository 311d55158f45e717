import * as fs from 'node:fs';
import * as path from 'node:path';
import { compileTemplate, type CompiledTemplate } from '../render/template.js';
import { packageRoot } from '../util/packageRoot.js';

/** The bootstrap templates, by file name under `templates/bootstrap/`. */
export const BOOTSTRAP_TEMPLATES = [
  'argocd-hub-applicationset.yaml.hbs',
  'argocd-edge-application.yaml.hbs',
  'flux-location.yaml.hbs',
  'kubectl-apply.sh.hbs',
] as const;

export type BootstrapTemplateName = (typeof BOOTSTRAP_TEMPLATES)[number];
export type BootstrapTemplates = Record<BootstrapTemplateName, CompiledTemplate>;

/**
 * The packaged bootstrap templates, each replaced by the spec repo's `templates/bootstrap/<name>` when the
 * spec commit has one (`specFiles`: path → text of the spec commit).
 */
export function bootstrapTemplates(specFiles: ReadonlyMap<string, string> = new Map()): BootstrapTemplates {
  const dir = path.join(packageRoot(), 'templates', 'bootstrap');
  const templates = {} as BootstrapTemplates;
  for (const name of BOOTSTRAP_TEMPLATES) {
    const override = `templates/bootstrap/${name}`;
    const text = specFiles.get(override) ?? fs.readFileSync(path.join(dir, name), 'utf8');
    templates[name] = compileTemplate(text, specFiles.has(override) ? override : `(edgeplane)/templates/bootstrap/${name}`);
  }
  return templates;
}
