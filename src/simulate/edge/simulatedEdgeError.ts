/** Why a simulated edge could not apply a commit of its branch. */
export type SimulatedEdgeErrorCode =
  /** `kubectl kustomize` refused the commit: it never will, so the edge does not retry that commit. */
  | 'BUILD_FAILED'
  /** The build gave something that is not a Kubernetes object, or the tree a path outside itself. */
  | 'BAD_OUTPUT'
  /** The cluster refused objects: the edge retries at its next poll. */
  | 'APPLY_FAILED';

/** A failure of one apply round of a simulated edge, with a stable `code` and the data to act on it. */
export class SimulatedEdgeError extends Error {
  readonly code: SimulatedEdgeErrorCode;
  readonly data: Record<string, unknown>;

  constructor(code: SimulatedEdgeErrorCode, message: string, data: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SimulatedEdgeError';
    this.code = code;
    this.data = data;
  }
}
