/**
 * The one error the customization primitives of `src/render/` throw. The caller turns it into a `Problem`
 * (code, file, line, col, message, hint) against the placement being rendered.
 */

/** What kind of input was wrong: a handlebars template or `%(name)` expansion, a JSONPath, or a patch. */
export type RenderErrorCode = 'template' | 'json-path' | 'patch';

/** The fields of a `RenderError`. */
export interface RenderErrorInit {
  code: RenderErrorCode;
  /** What is wrong, without the location (which is in `file`, `line` and `col`). */
  message: string;
  /** How to fix it. */
  hint: string;
  /** The template file (spec-repo relative), when the error is about one. */
  file?: string;
  /**
   * 1-based position inside the text the primitive was given: the template file for `compileTemplate`
   * templates; only `col`, inside the expression, for a JSONPath. Absent when the text has no position of
   * its own in a file (Customizer values: the message then quotes the value).
   */
  line?: number;
  col?: number;
}

/** A render primitive rejected its input: what is wrong (`message`), where, and how to fix it (`hint`). */
export class RenderError extends Error {
  readonly code: RenderErrorCode;
  readonly hint: string;
  readonly file?: string;
  readonly line?: number;
  readonly col?: number;

  constructor(init: RenderErrorInit, options?: { cause?: unknown }) {
    super(init.message, options);
    this.name = 'RenderError';
    this.code = init.code;
    this.hint = init.hint;
    if (init.file !== undefined) this.file = init.file;
    if (init.line !== undefined) this.line = init.line;
    if (init.col !== undefined) this.col = init.col;
  }

  /** `file:line:col: message (hint)`, with whatever location is known. */
  override toString(): string {
    const position = this.line === undefined ? (this.col === undefined ? '' : `col ${this.col}`) : `${this.line}:${this.col ?? 0}`;
    const where = [this.file, position].filter(Boolean).join(':');
    return `${where ? `${where}: ` : ''}${this.message} (${this.hint})`;
  }
}
