import { isMap, isNode, isScalar, LineCounter, parseAllDocuments, type Document } from 'yaml';
import type { SourcePosition } from '../api/meta.js';
import type { ProblemSink } from '../errors/problem.js';

/** A path into a document: object keys and list indexes. */
export type DocPath = readonly (string | number)[];

/** One YAML document of a file, as plain data, able to say where any of its fields is written. */
export interface YamlDocument {
  value: unknown;
  /** The document's first line. */
  source: SourcePosition;
  /** Where the field at `path` is written; the nearest existing parent when the field is absent. */
  at(path: DocPath): SourcePosition;
}

/**
 * Parses every document of a YAML file. Syntax errors are reported (file:line:col) and their documents
 * skipped; empty documents are dropped.
 */
export function parseYamlDocuments(text: string, file: string, sink: ProblemSink): YamlDocument[] {
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
    result.push(toYamlDocument(doc, lines, file));
  }
  return result;
}

function toYamlDocument(doc: Document.Parsed, lines: LineCounter, file: string): YamlDocument {
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
  };
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}
