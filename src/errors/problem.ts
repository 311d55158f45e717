/**
 * Problems with user input. Every stage that reads user input reports through a `ProblemSink` instead of
 * throwing, so one run shows every problem; `formatProblems` sorts them so output is byte-stable.
 */

/** The closed set of things that can be wrong with a spec repo. */
export type ProblemCode =
  | 'yaml-syntax'
  | 'not-an-object'
  | 'unknown-kind'
  | 'schema'
  | 'unsafe-name'
  | 'duplicate-name'
  | 'missing-reference'
  | 'selector'
  | 'json-path'
  | 'patch'
  | 'template'
  | 'cel'
  | 'conflict'
  | 'credentials'
  | 'repo';

/** One thing wrong with the spec, where it is, and how to fix it. */
export interface Problem {
  code: ProblemCode;
  /** Spec-repo relative path. */
  file: string;
  /** 1-based; 0 when the problem concerns a whole file. */
  line: number;
  col: number;
  /** `Kind/name` of the object concerned, when there is one. */
  object?: string;
  /** What is wrong. */
  message: string;
  /** How to fix it. */
  hint?: string;
  /** The placement a render problem belongs to: that placement keeps its last good output. */
  placement?: string;
  /** The locations where a render problem happened; the same problem at many locations is reported once. */
  locations?: string[];
}

/** Where stages report problems. */
export interface ProblemSink {
  report(problem: Problem): void;
}

/** A sink that keeps every problem; the same problem at several locations is kept once, with every location. */
export class ProblemList implements ProblemSink {
  readonly problems: Problem[] = [];
  readonly #seen = new Map<string, Problem>();

  report(problem: Problem): void {
    const key = formatProblem({ ...problem, locations: [] });
    const known = this.#seen.get(key);
    if (known) {
      if (problem.locations) known.locations = [...(known.locations ?? []), ...problem.locations];
      return;
    }
    const copy = { ...problem, ...(problem.locations ? { locations: [...problem.locations] } : {}) };
    this.#seen.set(key, copy);
    this.problems.push(copy);
  }

  get empty(): boolean {
    return this.problems.length === 0;
  }
}

/** `file:line:col Kind/name: message (hint)` */
export function formatProblem(p: Problem): string {
  const where = p.line > 0 ? `${p.file}:${p.line}:${p.col}` : p.file;
  const object = p.object ? ` ${p.object}` : '';
  const hint = p.hint ? ` (${p.hint})` : '';
  return `${where}${object}: ${p.message}${hint}${formatLocations(p.locations)}`;
}

function formatLocations(locations: readonly string[] | undefined): string {
  if (!locations || locations.length === 0) return '';
  const sorted = [...new Set(locations)].sort();
  const shown = sorted.slice(0, 5).join(', ');
  return sorted.length > 5 ? ` [at ${shown} and ${sorted.length - 5} more locations]` : ` [at ${shown}]`;
}

/** Every problem, one per line, sorted by file, line, column and text. */
export function formatProblems(problems: readonly Problem[]): string {
  return [...problems]
    .sort(
      (a, b) =>
        compare(a.file, b.file) || a.line - b.line || a.col - b.col || compare(formatProblem(a), formatProblem(b)),
    )
    .map(formatProblem)
    .join('\n');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
