/**
 * One CEL expression, compiled once: parsed, type-checked against the collector variables, planned. Evaluating
 * it never throws: a runtime error comes back as a value the caller counts.
 */
import { celEnv, isCelError, parse, plan } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { checkTypes, T, typeName, type CelType } from './checkTypes.js';
import type { CelData } from './celValue.js';

/** Where in the expression text (1-based line and column) something is. */
export interface ExpressionPosition {
  line: number;
  col: number;
}

/** Why an expression cannot be used: a syntax error, or a type error found before running it. */
export interface ExpressionIssue {
  kind: 'syntax' | 'type';
  message: string;
  at: ExpressionPosition;
  /** The same place as a character offset into the expression text. */
  offset: number;
}

/** The outcome of one evaluation. */
export type Evaluation = { ok: true; value: unknown } | { ok: false; error: string };

/** A compiled expression. */
export interface CompiledExpression {
  source: string;
  /** The static type of the result (`dyn` where it depends on the data). */
  type: CelType;
  /** The variables the expression reads: an expression that does not read `obj` is the same for a whole location. */
  reads: ReadonlySet<string>;
  evaluate(bindings: Readonly<Record<string, CelData>>): Evaluation;
}

/** The collector variables and their types (see docs/status.md). */
export const COLLECTOR_VARIABLES: Readonly<Record<string, CelType>> = {
  obj: T.dyn,
  health: T.record('health', { status: T.string, message: T.string }),
  location: T.record('location', {
    name: T.string,
    labels: T.map(T.string, T.string),
    annotations: T.map(T.string, T.string),
    params: T.map(T.string, T.dyn),
  }),
  report: T.record('report', {
    observedAt: T.string,
    state: T.string,
    reporter: T.record('report.reporter', { kind: T.string, name: T.string }),
    consumer: T.record('report.consumer', { kind: T.string, sync: T.string, health: T.string, message: T.string, revision: T.string }),
    applied: T.record('report.applied', { commit: T.string, digest: T.string, sourceCommit: T.string, current: T.bool }),
  }),
};

const ENV = celEnv({ funcs: strings });

/** Compiles `source`; returns the issues instead when it does not parse or cannot type-check. */
export function compileExpression(
  source: string,
  variables: Readonly<Record<string, CelType>> = COLLECTOR_VARIABLES,
): { expression: CompiledExpression } | { issues: ExpressionIssue[] } {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(source);
  } catch (error) {
    return { issues: [syntaxIssue(error, source)] };
  }
  const checked = checkTypes(parsed, variables);
  if (checked.issues.length > 0) {
    return {
      issues: checked.issues.map((issue) => ({ kind: 'type', message: issue.message, at: positionOf(source, issue.offset), offset: issue.offset })),
    };
  }
  const run = plan(ENV, parsed) as (ctx: Record<string, unknown>) => unknown;
  const reads = identifiersOf(parsed.expr, new Set(Object.keys(variables)));
  return {
    expression: {
      source,
      type: checked.type,
      reads,
      evaluate(bindings) {
        let value: unknown;
        try {
          value = run(bindings as Record<string, unknown>);
        } catch (error) {
          return { ok: false, error: (error as Error).message };
        }
        return isCelError(value) ? { ok: false, error: value.message } : { ok: true, value };
      },
    },
  };
}

/** The name CEL prints for a type, for messages. */
export { typeName };

function syntaxIssue(error: unknown, source: string): ExpressionIssue {
  const located = error as { message?: string; location?: { start?: { line?: number; column?: number; offset?: number } } };
  const start = located.location?.start;
  const offset = start?.offset ?? 0;
  const at = start?.line !== undefined && start.column !== undefined ? { line: start.line, col: start.column } : positionOf(source, offset);
  const message = String(located.message ?? error).replace(/^<input>:\d+:\d+: /, '');
  return { kind: 'syntax', message, at, offset };
}

/** The 1-based line and column of a character offset of `source`. */
export function positionOf(source: string, offset: number): ExpressionPosition {
  const before = source.slice(0, Math.max(0, Math.min(offset, source.length)));
  const lines = before.split('\n');
  return { line: lines.length, col: lines[lines.length - 1]!.length + 1 };
}

type Expr = ReturnType<typeof parse>['expr'];

/** The declared variables an expression reads (walking the whole tree, macros included). */
function identifiersOf(root: Expr, declared: ReadonlySet<string>): Set<string> {
  const found = new Set<string>();
  const walk = (node: unknown): void => {
    if (typeof node !== 'object' || node === null) return;
    if (Array.isArray(node)) {
      node.forEach(walk);
      return;
    }
    const record = node as Record<string, unknown>;
    const kind = record['exprKind'] as { case?: string; value?: { name?: string } } | undefined;
    if (kind?.case === 'identExpr' && kind.value?.name && declared.has(kind.value.name)) found.add(kind.value.name);
    for (const [key, value] of Object.entries(record)) if (key !== '$typeName' && typeof value === 'object') walk(value);
  };
  walk(root);
  return found;
}
