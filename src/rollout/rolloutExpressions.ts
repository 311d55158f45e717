import type { Location } from '../api/location.js';
import { T, type CelType } from '../status/cel/checkTypes.js';
import { toCel } from '../status/cel/celValue.js';
import { compileExpression, type CompiledExpression, type ExpressionIssue } from '../status/cel/compileExpression.js';
import type { WaveStatus } from './decide.js';

/** The default `advanceWhen`: every released location of the wave is healthy on the new revision. */
export const DEFAULT_ADVANCE_WHEN = 'wave.healthy == wave.total';

/** The variable of `advanceWhen`: the wave's counts over its released locations (see docs/rollout.md). */
export const ADVANCE_VARIABLES: Readonly<Record<string, CelType>> = {
  wave: T.record('wave', {
    name: T.string,
    index: T.int,
    total: T.int,
    healthy: T.int,
    progressing: T.int,
    degraded: T.int,
    pending: T.int,
    stale: T.int,
    unknown: T.int,
  }),
};

const LOCATION: CelType = T.record('location', {
  name: T.string,
  labels: T.map(T.string, T.string),
  annotations: T.map(T.string, T.string),
  params: T.map(T.string, T.dyn),
});

/** The variables of a batch constraint: the two locations of a pair. */
export const CONSTRAINT_VARIABLES: Readonly<Record<string, CelType>> = { a: LOCATION, b: LOCATION };

/** Compiles `advanceWhen` (or the default); the issues instead when it does not parse or type-check. */
export function compileAdvanceWhen(source: string | undefined): { expression: CompiledExpression } | { issues: ExpressionIssue[] } {
  return compileExpression(source ?? DEFAULT_ADVANCE_WHEN, ADVANCE_VARIABLES);
}

/** Compiles one constraint expression. */
export function compileConstraint(source: string): { expression: CompiledExpression } | { issues: ExpressionIssue[] } {
  return compileExpression(source, CONSTRAINT_VARIABLES);
}

/** `advanceWhen` as a predicate: true only when it evaluates to `true` (an error or non-bool holds the wave). */
export function advancePredicate(expression: CompiledExpression): (status: WaveStatus) => boolean {
  return (status) => {
    const result = expression.evaluate({ wave: toCel(status) });
    return result.ok && result.value === true;
  };
}

/** Every constraint as one pair predicate: a pair may share a batch when each evaluates to `true`. */
export function pairPredicate(expressions: readonly CompiledExpression[]): (a: Location, b: Location) => boolean {
  const view = (l: Location) => toCel({ name: l.metadata.name, labels: l.metadata.labels ?? {}, annotations: l.metadata.annotations ?? {}, params: l.spec?.params ?? {} });
  return (a, b) => {
    const bindings = { a: view(a), b: view(b) };
    return expressions.every((e) => {
      const result = e.evaluate(bindings);
      return result.ok && result.value === true;
    });
  };
}
