/**
 * `report.html`: one self-contained page. The shell (tables, checks, chart containers) comes from the handlebars
 * template `templates/scenario-report.html.hbs`; the charts are drawn in the browser by
 * `templates/scenario-report.js` from the run embedded as JSON. Style and script are inlined, and a
 * Content-Security-Policy allows exactly them (by hash) and nothing from any network.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Handlebars from 'handlebars';
import type { ScenarioRun } from '../scenarioData.js';
import { packageRoot } from '../../util/packageRoot.js';
import { SCENARIO_FORMAT } from './checkScenarioRun.js';
import { scriptJson } from './reportJson.js';
import { reportView } from './reportView.js';
import { TIMELINE_KINDS } from './timelineKinds.js';

/** The three files the page is made of, as text. */
export interface ReportAssets {
  template: string;
  script: string;
  style: string;
}

/** The report's files under `templates/` of the installed package. */
export function loadReportAssets(root: string = packageRoot()): ReportAssets {
  const read = (name: string): string => fs.readFileSync(path.join(root, 'templates', name), 'utf8');
  return { template: read('scenario-report.html.hbs'), script: read('scenario-report.js'), style: read('scenario-report.css') };
}

/**
 * The report page for `run` (checked beforehand with `checkScenarioRun`). Every text from the run is
 * HTML-escaped by handlebars; the embedded JSON is escaped by `scriptJson`. Throws when `assets` could end
 * their own element early (a `</script` in the script, a `</style` in the style).
 */
export function renderReportHtml(run: ScenarioRun, assets: ReportAssets = loadReportAssets()): string {
  for (const [name, text, end] of [['scenario-report.js', assets.script, '</script'], ['scenario-report.css', assets.style, '</style']] as const) {
    if (text.toLowerCase().includes(end)) throw new Error(`templates/${name} contains "${end}", which would end its inline element early: write it as "<\\/${end.slice(2)}"`);
  }
  return compile(assets.template)({
    format: SCENARIO_FORMAT,
    view: reportView(run),
    style: assets.style,
    script: assets.script,
    styleHash: cspHash(assets.style),
    scriptHash: cspHash(assets.script),
    // A list, not a map: its order is the order of the timeline's lanes, and scriptJson sorts map keys.
    kindsJson: scriptJson(Object.entries(TIMELINE_KINDS).map(([kind, style]) => ({ kind, ...style }))),
    dataJson: scriptJson(run),
  });
}

// Its own environment, not render/template.ts: that one writes YAML (no escaping) for workload templates; this
// one writes HTML, so `{{…}}` escapes and only the pre-escaped parts use `{{{…}}}`. Strict: a name the view
// does not have is an error, never an empty cell.
const env = Handlebars.create();
const compiled = new Map<string, HandlebarsTemplateDelegate>();

function compile(template: string): HandlebarsTemplateDelegate {
  let delegate = compiled.get(template);
  if (!delegate) {
    delegate = env.compile(template, { strict: true, knownHelpersOnly: true });
    compiled.set(template, delegate);
  }
  return delegate;
}

/** A CSP source allowing exactly this inline text. */
function cspHash(text: string): string {
  return `sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}`;
}
