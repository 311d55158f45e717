import { formatProblems, type Problem } from './problem.js';

/** Stable codes of operational failures (not spec problems: those are `Problem`s). */
export type ErrorCode =
  | 'INVALID_SPEC'
  | 'GIT_FAILED'
  | 'PUSH_REJECTED'
  | 'FOREIGN_COMMIT'
  | 'NOT_FOUND'
  | 'BAD_ARGUMENT'
  | 'AUTH';

/** An error with a stable `code` and structured `data`, for callers that branch on failures. */
export class EdgeplaneError extends Error {
  readonly code: ErrorCode;
  readonly data: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, data: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EdgeplaneError';
    this.code = code;
    this.data = data;
  }
}

/** The spec has problems; nothing was published. */
export class InvalidSpecError extends EdgeplaneError {
  readonly problems: readonly Problem[];

  constructor(problems: readonly Problem[]) {
    super('INVALID_SPEC', `the spec has ${problems.length} problem(s):\n${formatProblems(problems)}`, {
      count: problems.length,
    });
    this.problems = problems;
  }
}
