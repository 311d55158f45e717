import type { ObjectFilter } from '../api/placement.js';
import { DEFAULT_COLLECTOR_LIMIT, type AggregatorType, type StatusCollector } from '../api/statusCollector.js';
import type { ProblemSink } from '../errors/problem.js';
import type { DocPath } from '../load/yamlDocuments.js';
import type { SpecObject } from '../load/spec.js';
import { typeName, type CelType } from './cel/checkTypes.js';
import { compileExpression, type CompiledExpression } from './cel/compileExpression.js';

/** A named expression, compiled. */
export interface CompiledColumn {
  name: string;
  expression: CompiledExpression;
}

/** An aggregation, compiled. */
export interface CompiledAggregator {
  name: string;
  type: AggregatorType;
  expression?: CompiledExpression;
}

/** A StatusCollector whose every expression parsed and type-checked: ready to run over any number of objects. */
export interface CompiledCollector {
  name: string;
  objects?: ObjectFilter;
  filter?: CompiledExpression;
  groupBy: CompiledColumn[];
  combinedFields: CompiledAggregator[];
  select: CompiledColumn[];
  limit: number;
  /** The columns of its rows, in order: groupBy then combinedFields, or select. */
  columns: string[];
}

const HINT = 'the variables are obj, health, location and report; see "Status collectors" in docs/status.md';

/**
 * Compiles a collector's expressions once. Every syntax or type error, and every misuse of the fields
 * (`select` with `combinedFields`, `groupBy` without `combinedFields`, duplicate columns), is reported at its
 * file:line:col; the collector is returned only when there was none.
 */
export function compileCollector(collector: SpecObject<StatusCollector>, sink: ProblemSink): CompiledCollector | undefined {
  const spec = collector.value.spec ?? {};
  let failed = false;
  const report = (path: DocPath, message: string, hint: string, offset?: number) => {
    failed = true;
    const at = offset === undefined ? collector.doc.at(path) : collector.doc.atCharacter(path, offset);
    sink.report({ code: offset === undefined ? 'schema' : 'cel', ...at, object: collector.id, message, hint });
  };
  const compile = (path: DocPath, field: string, source: string, needs?: (type: CelType) => string | undefined): CompiledExpression | undefined => {
    const result = compileExpression(source);
    if ('issues' in result) {
      for (const issue of result.issues) {
        const what = issue.kind === 'syntax' ? 'CEL syntax error' : 'CEL type error';
        report([...path], `${field}: ${what} at ${issue.at.line}:${issue.at.col} of the expression: ${issue.message}`, HINT, issue.offset);
      }
      return undefined;
    }
    const wrong = needs?.(result.expression.type);
    if (wrong) {
      report([...path], `${field}: ${wrong}`, HINT, 0);
      return undefined;
    }
    return result.expression;
  };

  const select = spec.select ?? [];
  const groupBy = spec.groupBy ?? [];
  const combined = spec.combinedFields ?? [];
  if (select.length > 0 && (groupBy.length > 0 || combined.length > 0)) {
    report(['spec', 'select'], '`select` cannot be combined with `groupBy` or `combinedFields`', 'use select for one row per object, or groupBy + combinedFields for aggregated rows');
  }
  if (groupBy.length > 0 && combined.length === 0) {
    report(['spec', 'groupBy'], '`groupBy` needs `combinedFields`: there is nothing to compute per group', 'add combinedFields, e.g. [{name: count, type: COUNT}]');
  }
  if (select.length === 0 && combined.length === 0) {
    report(['spec'], 'the collector computes nothing: it needs `combinedFields` or `select`', 'add combinedFields (aggregations) or select (one row per object)');
  }
  const seen = new Map<string, DocPath>();
  const named = (list: 'groupBy' | 'combinedFields' | 'select', i: number, name: string) => {
    if (seen.has(name)) report(['spec', list, i, 'name'], `column ${JSON.stringify(name)} is defined twice`, 'give every column of a collector its own name');
    seen.set(name, ['spec', list, i, 'name']);
  };

  const filter = spec.filter === undefined ? undefined : compile(['spec', 'filter'], 'filter', spec.filter, (type) => (isOneOf(type, 'bool', 'null') ? undefined : `filter must give a bool, but gives ${typeName(type)}`));
  const groupColumns: CompiledColumn[] = [];
  groupBy.forEach((column, i) => {
    named('groupBy', i, column.name);
    const atomic = (type: CelType) => (['list', 'map', 'record'].includes(type.k) ? `must give an atomic value to group by (string, number, bool), but gives ${typeName(type)}` : undefined);
    const expression = compile(['spec', 'groupBy', i, 'expr'], `groupBy ${column.name}`, column.expr, atomic);
    if (expression) groupColumns.push({ name: column.name, expression });
  });
  const aggregators: CompiledAggregator[] = [];
  combined.forEach((field, i) => {
    named('combinedFields', i, field.name);
    if (field.expr === undefined) {
      if (field.type === 'COUNT') aggregators.push({ name: field.name, type: field.type });
      else report(['spec', 'combinedFields', i], `${field.type} needs an 'expr' giving the number to aggregate`, 'add expr, e.g. obj.status.readyReplicas');
      return;
    }
    const numeric = (type: CelType) =>
      field.type === 'COUNT' || isOneOf(type, 'int', 'uint', 'double', 'string', 'null') ? undefined : `${field.type} needs a number, but the expression gives ${typeName(type)}`;
    const expression = compile(['spec', 'combinedFields', i, 'expr'], `combinedFields ${field.name}`, field.expr, numeric);
    if (expression) aggregators.push({ name: field.name, type: field.type, expression });
  });
  const selectColumns: CompiledColumn[] = [];
  select.forEach((column, i) => {
    named('select', i, column.name);
    const expression = compile(['spec', 'select', i, 'expr'], `select ${column.name}`, column.expr);
    if (expression) selectColumns.push({ name: column.name, expression });
  });

  if (failed) return undefined;
  const columns = selectColumns.length > 0 ? selectColumns.map((c) => c.name) : [...groupColumns.map((c) => c.name), ...aggregators.map((a) => a.name)];
  return {
    name: collector.value.metadata.name,
    ...(spec.objects ? { objects: spec.objects } : {}),
    ...(filter ? { filter } : {}),
    groupBy: groupColumns,
    combinedFields: aggregators,
    select: selectColumns,
    limit: spec.limit ?? DEFAULT_COLLECTOR_LIMIT,
    columns,
  };
}

/** dyn passes every check: its type is only known when the expression runs. */
function isOneOf(type: CelType, ...kinds: string[]): boolean {
  return type.k === 'dyn' || kinds.includes(type.k);
}
