/**
 * Writes the data of a scenario run: `scenario.json` for machines and diffs, `report.html` for people.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ScenarioRun } from '../scenarioData.js';
import { checkScenarioRun } from './checkScenarioRun.js';
import { renderReportHtml } from './renderReportHtml.js';
import { stableJson } from './reportJson.js';

/** The files `writeScenarioReport` wrote. */
export interface WrittenReport {
  json: string;
  html: string;
}

/**
 * Writes `dir/scenario.json` (the run, keys sorted, 2-space JSON, byte-stable) and `dir/report.html` (one
 * self-contained page: summary tables, a timeline and a per-region chart per scenario, the checks), creating
 * `dir` when needed and replacing earlier files. The same run gives the same bytes in both. Throws an
 * `EdgeplaneError` (`BAD_ARGUMENT`) listing every problem of a run that cannot be reported (NaN numbers,
 * unknown timeline kinds, missing lists), before writing anything.
 */
export function writeScenarioReport(run: ScenarioRun, dir: string): WrittenReport {
  checkScenarioRun(run);
  const json = stableJson(run);
  const html = renderReportHtml(run);
  fs.mkdirSync(dir, { recursive: true });
  const written = { json: path.join(dir, 'scenario.json'), html: path.join(dir, 'report.html') };
  writeReplacing(written.json, json);
  writeReplacing(written.html, html);
  return written;
}

/** Through a temporary file and a rename, so a reader (or a browser reloading) never sees half a file. */
function writeReplacing(file: string, text: string): void {
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, text);
  fs.renameSync(temporary, file);
}
