import { isMap, isNode, isScalar, LineCounter, parseAllDocuments, type Document } from 'yaml';
import type { SourcePosition } from '../api/meta.js';
import type { ProblemSink } from '../errors/problem.js';
import { parseCommonYaml } from './commonYaml.js';

/** A path into a document: object keys and list indexes. */
export type DocPath = readonly (string | number)[];

/** One YAML document of a file, as plain data, able to say where any of its fields is written. */
export interface YamlDocument {
  value: unknown;
  /** The document's first line. */
  source: SourcePosition;
  /** Where the field at `path` is written; the nearest existing parent when the field is absent. */
  at(path: DocPath): SourcePosition;
  /**
   * Where character `offset` of the string value at `path` is written, so a problem inside an embedded
   * expression points at its exact line and column. Exact for plain, quoted and block scalars whose lines are
   * folded the YAML way; falls back to where the value starts (or to `at(path)`).
   */
  atCharacter(path: DocPath, offset: number): SourcePosition;
}

/**
 * Parses every document of a YAML file. Syntax errors are reported (file:line:col) and their documents
 * skipped; empty documents are dropped.
 */
export function parseYamlDocuments(text: string, file: string, sink: ProblemSink): YamlDocument[] {
  // Most spec files are in the subset commonYaml.ts reads many times faster; positions, needed only to report a
  // problem, come from the full parse, run then.
  const common = parseCommonYaml(text);
  if (common === undefined) return parseAllYamlDocuments(text, file, sink);
  let full: YamlDocument[] | undefined;
  const parsed = (i: number): YamlDocument => (full ??= parseAllYamlDocuments(text, file, sink))[i]!;
  return common.map((doc, i) => ({
    value: doc.value,
    source: { file, line: doc.line, col: doc.col },
    at: (path) => parsed(i).at(path),
    atCharacter: (path, offset) => parsed(i).atCharacter(path, offset),
  }));
}

function parseAllYamlDocuments(text: string, file: string, sink: ProblemSink): YamlDocument[] {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const list = Array.isArray(docs) ? docs : [docs];
  const result: YamlDocument[] = [];
  for (const doc of list) {
    if (doc.errors.length > 0) {
      for (const error of doc.errors) {
        const pos = lines.linePos(error.pos[0]);
        sink.report({
          code: 'yaml-syntax',
          file,
          line: pos.line,
          col: pos.col,
          message: `invalid YAML: ${firstLine(error.message)}`,
          hint: 'fix the YAML syntax (indentation, quoting, a missing ":")',
        });
      }
      continue;
    }
    if (doc.contents === null) continue;
    result.push(toYamlDocument(doc, lines, file, text));
  }
  return result;
}

function toYamlDocument(doc: Document.Parsed, lines: LineCounter, file: string, text: string): YamlDocument {
  const position = (offset: number): SourcePosition => {
    const pos = lines.linePos(offset);
    return { file, line: pos.line, col: pos.col };
  };
  const start = doc.contents?.range?.[0] ?? doc.range[0];
  return {
    value: doc.toJS({ maxAliasCount: 100 }),
    source: position(start),
    at(path: DocPath): SourcePosition {
      // A map key's own position, so "unknown field" and "must be" point at the field's name.
      const parent = path.length > 0 ? doc.getIn(path.slice(0, -1), true) : undefined;
      if (isMap(parent)) {
        const pair = parent.items.find((item) => isScalar(item.key) && item.key.value === path[path.length - 1]);
        if (pair && isNode(pair.key) && pair.key.range) return position(pair.key.range[0]);
      }
      for (let depth = path.length; depth >= 0; depth--) {
        const node = doc.getIn(path.slice(0, depth), true);
        if (isNode(node) && node.range) return position(node.range[0]);
      }
      return position(start);
    },
    atCharacter(path: DocPath, offset: number): SourcePosition {
      const node = doc.getIn(path, true);
      if (!isScalar(node) || !node.range || typeof node.value !== 'string') return this.at(path);
      const at = characterOffset(text, node.range[0], node.range[1], node.type, offset);
      return position(at);
    },
  };
}

/**
 * The source offset of character `offset` of a string scalar written at `[start, end)`. Each source line of the
 * scalar contributes its content; lines are joined by one character (a space or a newline), which is how YAML
 * folds plain, quoted and block scalars without blank or more-indented lines.
 */
function characterOffset(text: string, start: number, end: number, type: string | undefined, offset: number): number {
  const raw = text.slice(start, end);
  const segments: { at: number; length: number }[] = [];
  if (type === 'BLOCK_LITERAL' || type === 'BLOCK_FOLDED') {
    const header = raw.indexOf('\n');
    if (header < 0) return start;
    const body = raw.slice(header + 1).split('\n');
    const indent = Math.min(...body.filter((l) => l.trim() !== '').map((l) => l.length - l.trimStart().length));
    let at = start + header + 1;
    for (const line of body) {
      segments.push({ at: at + Math.min(indent, line.length), length: Math.max(0, line.length - indent) });
      at += line.length + 1;
    }
  } else {
    const quoted = type === 'QUOTE_SINGLE' || type === 'QUOTE_DOUBLE' ? 1 : 0;
    const body = raw.slice(quoted, raw.length - quoted).split('\n');
    let at = start + quoted;
    body.forEach((line, i) => {
      const lead = i === 0 ? 0 : line.length - line.trimStart().length;
      segments.push({ at: at + lead, length: line.trimEnd().length - lead });
      at += line.length + 1;
    });
  }
  let remaining = offset;
  for (const segment of segments) {
    if (remaining <= segment.length) return segment.at + remaining;
    remaining -= segment.length + 1;
  }
  return start;
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}
