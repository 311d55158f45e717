/**
 * Checks a `ScenarioRun` before the report is written. The runner builds it in code, so the types hold; what
 * slips through them is arithmetic gone wrong (a NaN percentile, an Infinity duration, which JSON would turn
 * into a silent `null`), a timeline kind the report cannot draw, and missing lists. Every problem is collected,
 * each named by its JSON path, and thrown together.
 */
import { EdgeplaneError } from '../../errors/edgeplaneError.js';
import type { Percentiles, ScenarioRun } from '../scenarioData.js';
import { isTimelineKind, TIMELINE_KINDS } from './timelineKinds.js';

/** The one format this report reads. */
export const SCENARIO_FORMAT = 'edgeplane-scenario/1';

/**
 * Every problem of `run`, as `path: what is wrong (how to fix it)`, in document order; empty when the report
 * can be written.
 */
export function scenarioRunProblems(run: ScenarioRun): string[] {
  const problems: string[] = [];
  const add = (path: string, message: string): void => void problems.push(`${path}: ${message}`);
  walkNumbers(run, 'run', add);
  if (run === null || typeof run !== 'object') return [...problems, 'run: not an object (pass the ScenarioRun the runner produced)'];
  if (run.format !== SCENARIO_FORMAT) add('run.format', `is ${JSON.stringify(run.format)}, expected "${SCENARIO_FORMAT}" (a run from another version of the runner: re-run it)`);
  if (!run.fleet || !Array.isArray(run.fleet.regions)) add('run.fleet.regions', 'is missing: list the fleet\'s regions');
  if (!Array.isArray(run.scenarios)) return [...problems, 'run.scenarios: is missing: a run holds a list of scenarios (it may be empty)'];
  run.scenarios.forEach((scenario, i) => {
    const at = `run.scenarios[${i}]${typeof scenario?.name === 'string' ? ` (${scenario.name})` : ''}`;
    if (!scenario || typeof scenario !== 'object') return add(at, 'is not an object');
    if (typeof scenario.name !== 'string' || (scenario.name as string) === '') add(`${at}.name`, 'is missing');
    if (typeof scenario.title !== 'string') add(`${at}.title`, 'is missing: give the scenario a title for the report');
    if (typeof scenario.durationMs !== 'number' || scenario.durationMs < 0) add(`${at}.durationMs`, 'must be a number of milliseconds ≥ 0');
    for (const field of ['latency', 'bytes', 'staleness'] as const) checkPercentiles(scenario[field], `${at}.${field}`, add);
    for (const list of ['pushes', 'stations', 'timeline', 'checks'] as const) {
      if (!Array.isArray(scenario[list])) add(`${at}.${list}`, 'is missing: use an empty list when there is nothing');
    }
    if (Array.isArray(scenario.timeline)) {
      scenario.timeline.forEach((event, j) => {
        if (!isTimelineKind(event?.kind)) {
          add(`${at}.timeline[${j}].kind`, `${JSON.stringify(event?.kind)} is not a timeline kind (one of ${Object.keys(TIMELINE_KINDS).join(', ')})`);
        }
      });
    }
    if (Array.isArray(scenario.stations)) {
      scenario.stations.forEach((station, j) => {
        const where = `${at}.stations[${j}]${typeof station?.name === 'string' ? ` (${station.name})` : ''}`;
        if (typeof station?.region !== 'string') add(`${where}.region`, 'is missing');
        if (!Array.isArray(station?.history)) add(`${where}.history`, 'is missing: use an empty list for a station that never ran a revision');
        else if (station.history.some((h, k) => k > 0 && h.at < station.history[k - 1]!.at)) add(`${where}.history`, 'is not in time order: sort it by `at`');
      });
    }
  });
  return problems;
}

/** Throws an `EdgeplaneError` (`BAD_ARGUMENT`, `data.problems`) listing every problem of `run`, if it has any. */
export function checkScenarioRun(run: ScenarioRun): void {
  const problems = scenarioRunProblems(run);
  if (problems.length === 0) return;
  throw new EdgeplaneError('BAD_ARGUMENT', `cannot write the scenario report, the run has ${problems.length} problem(s):\n${problems.map((p) => `  ${p}`).join('\n')}`, { problems });
}

function checkPercentiles(value: Percentiles | undefined, path: string, add: (path: string, message: string) => void): void {
  if (!value || typeof value !== 'object') return add(path, 'is missing: give p50, p90 and max (null when there is no data)');
  for (const key of ['p50', 'p90', 'max'] as const) {
    if (value[key] !== null && typeof value[key] !== 'number') add(`${path}.${key}`, 'must be a number or null (null: no data)');
  }
}

/** Non-finite numbers anywhere: JSON would write them as `null`, which means "never" in this data. */
function walkNumbers(value: unknown, path: string, add: (path: string, message: string) => void): void {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) add(path, `is ${value}: compute it from a non-empty set, or use null for "no data"`);
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => walkNumbers(item, `${path}[${i}]`, add));
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) walkNumbers(item, `${path}.${key}`, add);
  }
}
