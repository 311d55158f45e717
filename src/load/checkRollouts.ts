import type { Location } from '../api/location.js';
import type { EdgePlacement } from '../api/placement.js';
import type { ResolvedSettings } from '../api/settings.js';
import type { ProblemSink } from '../errors/problem.js';
import { assignWaves } from '../rollout/assignWaves.js';
import { parseDuration } from '../rollout/duration.js';
import { compileAdvanceWhen, compileConstraint } from '../rollout/rolloutExpressions.js';
import { matchesAny } from '../schedule/labelSelector.js';
import type { CompiledExpression, ExpressionIssue } from '../status/cel/compileExpression.js';
import { validate as validateCron } from 'node-cron';
import type { DocPath } from './yamlDocuments.js';
import type { SpecObject } from './spec.js';

const ADVANCE_HINT = 'advanceWhen reads wave.name, wave.index, wave.total, wave.healthy, wave.progressing, wave.degraded, wave.pending, wave.stale and wave.unknown; see docs/rollout.md';
const CONSTRAINT_HINT = 'a constraint reads a and b: name, labels, annotations and params of two locations of one batch; see docs/rollout.md';

/**
 * Checks what the schema cannot about every placement's `spec.rollout`: waves that select nothing or share a
 * location, durations, the window's cron schedule and time zone, the CEL of `advanceWhen` and `constraints`,
 * and that `review: pullRequest` has a forge in `edgeplane.yaml`. Every problem goes to `sink` at its
 * file:line:col; nothing is thrown.
 */
export function checkRollouts(
  input: { placements: readonly SpecObject<EdgePlacement>[]; locations: readonly SpecObject<Location>[]; settings: ResolvedSettings },
  sink: ProblemSink,
): void {
  const locations = input.locations.map((l) => l.value);
  for (const placement of input.placements) {
    const rollout = placement.value.spec.rollout;
    if (!rollout) continue;
    const report = (path: DocPath, code: 'schema' | 'cel' | 'selector' | 'missing-reference', message: string, hint: string, offset?: number) => {
      const full = ['spec', 'rollout', ...path];
      const at = offset === undefined ? placement.doc.at(full) : placement.doc.atCharacter(full, offset);
      sink.report({ code, ...at, object: placement.id, message, hint });
    };
    const celIssues = (path: DocPath, field: string, issues: readonly ExpressionIssue[], hint: string) => {
      for (const issue of issues) {
        const what = issue.kind === 'syntax' ? 'CEL syntax error' : 'CEL type error';
        report(path, 'cel', `${field}: ${what} at ${issue.at.line}:${issue.at.col} of the expression: ${issue.message}`, hint, issue.offset);
      }
    };

    const selected = locations.filter((l) => matchesAny(placement.value.spec.locationSelectors, l.metadata.labels));
    for (const problem of assignWaves(placement.value.metadata.name, rollout, selected).problems) {
      report(['waves', problem.wave], 'selector', problem.message, problem.hint);
    }
    const names = new Map<string, number>();
    rollout.waves.forEach((wave, index) => {
      const first = names.get(wave.name);
      if (first !== undefined) report(['waves', index, 'name'], 'schema', `wave name ${wave.name} is used twice (also wave ${first + 1})`, 'give every wave its own name');
      else names.set(wave.name, index);
    });

    for (const field of ['soak', 'progressDeadline'] as const) {
      const text = rollout[field];
      if (text !== undefined && parseDuration(text) === undefined) report([field], 'schema', `${field} ${JSON.stringify(text)} is not a duration`, 'write a Go-style duration: 30s, 10m, 1h30m, 2d');
    }
    if (typeof rollout.maxUnavailable === 'string' && !/^([1-9][0-9]?|100)%$/.test(rollout.maxUnavailable)) {
      report(['maxUnavailable'], 'schema', `maxUnavailable ${JSON.stringify(rollout.maxUnavailable)} is not a count or a percentage`, 'write a count (2) or a share of the wave ("25%")');
    }
    if (rollout.window) {
      const { schedule, duration, timeZone } = rollout.window;
      if (!validateCron(schedule)) report(['window', 'schedule'], 'schema', `window schedule ${JSON.stringify(schedule)} is not a valid cron expression`, 'write 5 or 6 node-cron fields, e.g. "0 1 * * *" for every day at 01:00');
      if (parseDuration(duration) === undefined) report(['window', 'duration'], 'schema', `window duration ${JSON.stringify(duration)} is not a duration`, 'write a Go-style duration: 30m, 4h, 1h30m');
      if (timeZone !== undefined && !isTimeZone(timeZone)) report(['window', 'timeZone'], 'schema', `unknown time zone ${JSON.stringify(timeZone)}`, 'use an IANA time zone name, e.g. Europe/Stockholm or UTC');
    }

    const advance = compileAdvanceWhen(rollout.advanceWhen);
    if ('issues' in advance) celIssues(['advanceWhen'], 'advanceWhen', advance.issues, ADVANCE_HINT);
    else if (rollout.advanceWhen !== undefined) checkBool(advance.expression, () => report(['advanceWhen'], 'cel', `advanceWhen must be a bool, not ${advance.expression.type.k}`, ADVANCE_HINT));
    (rollout.constraints ?? []).forEach((constraint, index) => {
      const compiled = compileConstraint(constraint.expr);
      if ('issues' in compiled) celIssues(['constraints', index, 'expr'], `constraint ${constraint.name}`, compiled.issues, CONSTRAINT_HINT);
      else checkBool(compiled.expression, () => report(['constraints', index, 'expr'], 'cel', `constraint ${constraint.name} must be a bool, not ${compiled.expression.type.k}`, CONSTRAINT_HINT));
    });

    if (rollout.review === 'pullRequest' && !input.settings.forge) {
      report(['review'], 'missing-reference', 'review: pullRequest needs a forge, and edgeplane.yaml has no valid spec.forge', 'add spec.forge {type, owner, repo} to edgeplane.yaml, or use review: approval');
    }
  }
}

function checkBool(expression: CompiledExpression, wrong: () => void): void {
  if (expression.type.k !== 'bool' && expression.type.k !== 'dyn') wrong();
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
