/** edgeplane's exit codes (documented in docs/cli.md). */
export const EXIT = {
  /** Everything worked. */
  ok: 0,
  /** The spec has problems (nothing published), or some placements could not be rendered (held). */
  invalidSpec: 1,
  /** An operational failure: Git, network, credentials, a bad command-line argument. */
  failure: 2,
} as const;
