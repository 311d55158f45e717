import type { Json } from '../api/kube.js';
import type { ObjectReport } from '../api/locationReport.js';
import type { CelData } from './cel/celValue.js';
import { fromCel, isAtomic, numericValue } from './cel/celValue.js';
import type { CompiledExpression } from './cel/compileExpression.js';
import type { CompiledCollector } from './compileCollector.js';
import { matchesObjectFilter } from './objectFilter.js';
import type { CollectorResult } from './summary.js';

/** One object a collector sees, with its location's and report's CEL variables. */
export interface CollectorSubject {
  location: string;
  object: ObjectReport;
  /** The `location` and `report` variables: one pair per location and placement. */
  context: { location: CelData; report: CelData };
  /** Every variable: the context's and the object's `obj` and `health`. Built once per object, on first use. */
  bindings(): Readonly<Record<string, CelData>>;
}

const FIRST_ERRORS = 5;

/**
 * One collector running over a placement's objects, fed one object at a time (`add`), in a fixed order
 * (locations by name, objects by key), so its rows are the same every time. Several runs can be fed the same
 * subjects, which converts each object to CEL data once for all of them. An expression that fails for an object
 * leaves that object out of the rows (or out of that aggregate) and is counted in `errors`; it never stops the run.
 */
export class CollectorRun {
  readonly #collector: CompiledCollector;
  readonly #groups = new Map<string, Group>();
  readonly #selected: Json[][] = [];
  readonly #errors: string[] = [];
  #errorCount = 0;
  #seen = 0;
  /** Values of expressions that read neither obj nor health: one per location, evaluated once there. */
  readonly #perLocation = new Map<CompiledExpression, ReturnType<CompiledExpression['evaluate']>>();
  #perLocationContext: unknown;

  constructor(collector: CompiledCollector) {
    this.#collector = collector;
  }

  add(subject: CollectorSubject): void {
    const collector = this.#collector;
    if (collector.objects && !matchesObjectFilter(subject.object, collector.objects)) return;
    this.#seen++;
    if (collector.filter) {
      const result = this.#evaluate(collector.filter, subject);
      if (!result.ok) return this.#fail(subject, 'filter', result.error);
      if (result.value !== true) {
        if (result.value !== false && result.value !== null) this.#fail(subject, 'filter', `gives ${describeValue(result.value)}, not a bool`);
        return;
      }
    }
    const evaluate: Evaluate = (expression, s) => this.#evaluate(expression, s);
    const fail: Fail = (s, column, message) => this.#fail(s, column, message);
    if (collector.combinedFields.length > 0) addToGroup(collector, subject, this.#groups, evaluate, fail);
    else {
      const row = selectRow(collector, subject, evaluate, fail);
      if (row) this.#selected.push(row);
    }
  }

  result(): CollectorResult {
    const collector = this.#collector;
    let rows: Json[][];
    if (collector.combinedFields.length > 0) {
      if (this.#groups.size === 0 && collector.groupBy.length === 0) this.#groups.set('[]', newGroup([], collector));
      rows = [...this.#groups.values()].sort((a, b) => compareRows(a.key, b.key)).map((g) => [...g.key, ...g.fields.map(finish)]);
    } else {
      rows = this.#selected;
    }
    const result: CollectorResult = { name: collector.name, columns: collector.columns, rows: rows.slice(0, collector.limit), totalRows: rows.length, objects: this.#seen };
    if (this.#errorCount > 0) result.errors = { count: this.#errorCount, first: [...this.#errors] };
    return result;
  }

  #evaluate(expression: CompiledExpression, subject: CollectorSubject): ReturnType<CompiledExpression['evaluate']> {
    if (expression.reads.has('obj') || expression.reads.has('health')) return expression.evaluate(subject.bindings());
    if (this.#perLocationContext !== subject.context) {
      this.#perLocation.clear();
      this.#perLocationContext = subject.context;
    }
    let result = this.#perLocation.get(expression);
    if (!result) {
      result = expression.evaluate(subject.context);
      this.#perLocation.set(expression, result);
    }
    return result;
  }

  #fail(subject: CollectorSubject, column: string, message: string): void {
    this.#errorCount++;
    if (this.#errors.length < FIRST_ERRORS) {
      const o = subject.object;
      this.#errors.push(`${subject.location} ${o.kind}/${o.namespace ? `${o.namespace}/` : ''}${o.name}: ${column}: ${message}`);
    }
  }
}

/** Runs one collector over `subjects`. */
export function runCollector(collector: CompiledCollector, subjects: Iterable<CollectorSubject>): CollectorResult {
  const run = new CollectorRun(collector);
  for (const subject of subjects) run.add(subject);
  return run.result();
}

type Evaluate = (expression: CompiledExpression, subject: CollectorSubject) => ReturnType<CompiledExpression['evaluate']>;
type Fail = (subject: CollectorSubject, column: string, message: string) => void;

interface Accumulator {
  type: 'COUNT' | 'SUM' | 'AVG' | 'MIN' | 'MAX';
  count: number;
  sum: number;
  min: number;
  max: number;
}

interface Group {
  key: Json[];
  fields: Accumulator[];
}

function newGroup(key: Json[], collector: CompiledCollector): Group {
  return { key, fields: collector.combinedFields.map((f) => ({ type: f.type, count: 0, sum: 0, min: Infinity, max: -Infinity })) };
}

function addToGroup(collector: CompiledCollector, subject: CollectorSubject, groups: Map<string, Group>, evaluate: Evaluate, fail: Fail): void {
  const key: Json[] = [];
  for (const column of collector.groupBy) {
    const result = evaluate(column.expression, subject);
    if (!result.ok) return fail(subject, column.name, result.error);
    if (!isAtomic(result.value)) return fail(subject, column.name, `gives ${describeValue(result.value)}; groupBy needs a string, number, bool or null`);
    key.push(fromCel(result.value));
  }
  const id = JSON.stringify(key);
  let group = groups.get(id);
  if (!group) {
    group = newGroup(key, collector);
    groups.set(id, group);
  }
  collector.combinedFields.forEach((field, i) => {
    const acc = group.fields[i]!;
    if (!field.expression) {
      acc.count++;
      return;
    }
    const result = evaluate(field.expression, subject);
    if (!result.ok) return fail(subject, field.name, result.error);
    if (field.type === 'COUNT') {
      if (result.value !== null) acc.count++;
      return;
    }
    if (result.value === null) return;
    const value = numericValue(result.value);
    if (value === undefined) return fail(subject, field.name, `gives ${describeValue(result.value)}, not a number`);
    acc.count++;
    acc.sum += value;
    if (value < acc.min) acc.min = value;
    if (value > acc.max) acc.max = value;
  });
}

function finish(acc: Accumulator): Json {
  switch (acc.type) {
    case 'COUNT':
      return acc.count;
    case 'SUM':
      return acc.count === 0 ? null : acc.sum;
    case 'AVG':
      return acc.count === 0 ? null : acc.sum / acc.count;
    case 'MIN':
      return acc.count === 0 ? null : acc.min;
    case 'MAX':
      return acc.count === 0 ? null : acc.max;
  }
}

function selectRow(collector: CompiledCollector, subject: CollectorSubject, evaluate: Evaluate, fail: Fail): Json[] | undefined {
  const row: Json[] = [];
  for (const column of collector.select) {
    const result = evaluate(column.expression, subject);
    if (!result.ok) {
      fail(subject, column.name, result.error);
      return undefined;
    }
    row.push(fromCel(result.value));
  }
  return row;
}

/** Group keys compare value by value: null, then false and true, then numbers, then strings. */
function compareRows(a: readonly Json[], b: readonly Json[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const order = compareValues(a[i]!, b[i]!);
    if (order !== 0) return order;
  }
  return a.length - b.length;
}

function compareValues(a: Json, b: Json): number {
  const rank = (v: Json) => (v === null ? 0 : typeof v === 'boolean' ? 1 : typeof v === 'number' ? 2 : typeof v === 'string' ? 3 : 4);
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  const sa = typeof a === 'string' ? a : JSON.stringify(a);
  const sb = typeof b === 'string' ? b : JSON.stringify(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

function describeValue(value: unknown): string {
  const json = fromCel(value);
  const text = JSON.stringify(json);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
