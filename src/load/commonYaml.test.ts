import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineCounter, parseAllDocuments } from 'yaml';
import { generateFleet, specFiles } from '../../bench/fleet.js';
import { parseCommonYaml } from './commonYaml.js';

const ROOT = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
})();

/** What `yaml` makes of the text: the documents' values and content positions, or null when it reports an error. */
function reference(text: string): { value: unknown; line: number; col: number }[] | null {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const list = Array.isArray(docs) ? docs : [docs];
  if (list.some((doc) => doc.errors.length > 0)) return null;
  return list
    .filter((doc) => doc.contents !== null)
    .map((doc) => {
      const pos = lines.linePos(doc.contents?.range?.[0] ?? doc.range[0]);
      return { value: doc.toJS({ maxAliasCount: 100 }), line: pos.line, col: pos.col };
    });
}

/** The fast path either declines or agrees with `yaml` exactly. Returns whether it accepted the text. */
function agrees(text: string, label: string): boolean {
  const fast = parseCommonYaml(text);
  if (fast === undefined) return false;
  const expected = reference(text);
  assert.notEqual(expected, null, `${label}: the fast path accepted text that yaml rejects`);
  assert.deepStrictEqual(fast, expected, label);
  return true;
}

function yamlFilesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.ya?ml$/.test(entry.name))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

describe('the common-YAML fast path', () => {
  const accepted: [string, string][] = [
    ['block map and nesting', 'a: 1\nb:\n  c: two\n  d: [1, 2]\n'],
    ['sequence at the key indent', 'containers:\n- name: a\n  image: x\n- name: b\nother: 1\n'],
    ['sequence indented', 'list:\n  - 1\n  - two\n  -   three: 3\n      four: 4\n'],
    ['empty values', 'a:\nb: ~\nc: null\nd: []\ne: {}\nf:\n  -\n  - x\n'],
    ['core schema scalars', 'a: true\nb: False\nc: 0o17\nd: 0x1F\ne: -12\nf: +3\ng: 1.5\nh: .5\ni: 1e3\nj: 1.\nk: .inf\nl: -.Inf\nm: .nan\nn: 0755\no: 1.2.3\np: yes\nq: "1"\nr: 2024-01-01\n'],
    ['quoted scalars', `a: "x \\"y\\" \\\\ \\n \\t \\u00e9 \\x41"\nb: 'it''s'\n"c d": 1\n'e': "f: g"\n`],
    ['plain scalars with colons and hashes', 'url: http://example.org/a#b\nimage: registry:5000/x:1.0\ncron: "0 1 * * *"\nnote: a # comment\n'],
    ['comments everywhere', '# head\na: 1 # one\n# between\nb:\n  # inside\n  c: 2\n'],
    ['flow collections', 'labels: {region: eu-north, tier: "ground station", n: 3}\nsel: [{key: a, values: [x, y]}, {}]\nurl: {u: http://x}\n'],
    ['literal blocks', 'a: |\n  line 1\n    indented\n\n  line 3\nb: |-\n  no newline\nc: x\n'],
    ['literal block with trailing blank lines', 'a: |\n  x\n\n\nb: 1\n'],
    ['literal block with leading empty line', 'a: |\n\n  x\n'],
    ['documents', '---\na: 1\n---\n# only a comment\n---\nb: 2\n'],
    ['root sequence and flow', '- a\n- b\n---\n{a: 1}\n---\n[1, 2]\n'],
    ['indented root', '  a: 1\n  b: 2\n'],
    ['no final newline', 'a: 1\nb: [x]'],
    ['unicode', 'name: Kiruna – Ö\nemoji: 🛰️\n'],
    ['keys with dots and slashes', 'app.kubernetes.io/name: x\nexample.org~1zone: y\n'],
  ];
  for (const [name, text] of accepted) {
    it(`agrees with yaml on ${name}`, () => assert.ok(agrees(text, name), 'the fast path declined it'));
  }

  const declined: [string, string][] = [
    ['anchors and aliases', 'a: &x 1\nb: *x\n'],
    ['tags', 'a: !!str 1\n'],
    ['folded blocks', 'a: >\n  x\n  y\n'],
    ['keep chomping', 'a: |+\n  x\n\n'],
    ['multi-line plain scalars', 'a: one\n  two\n'],
    ['multi-line flow', 'a: [1,\n  2]\n'],
    ['multi-line quoted', 'a: "one\n  two"\n'],
    ['tabs', 'a:\n\tb: 1\n'],
    ['carriage returns', 'a: 1\r\nb: 2\r\n'],
    ['duplicate keys', 'a: 1\na: 2\n'],
    ['duplicate flow keys', 'a: {b: 1, b: 2}\n'],
    ['non-string keys', '1: a\ntrue: b\n'],
    ['merge keys', 'a:\n  <<: {b: 1}\n'],
    ['__proto__', '__proto__: {polluted: true}\n'],
    ['complex keys', '? a\n: b\n'],
    ['directives', '%YAML 1.2\n---\na: 1\n'],
    ['document end markers', 'a: 1\n...\n'],
    ['bad indentation', 'a: 1\n  b: 2\n'],
    ['nested mapping on one line', 'a: b: c\n'],
    ['unclosed quote', 'a: "x\n'],
    ['trailing commas', 'a: [1, 2, ]\n'],
    ['a key on its own with a scalar below', 'a:\n  plain\n'],
    ['a template left unquoted', 'replicas: {{location.params.replicas}}\n'],
    ['content after ---', '--- a: 1\n'],
  ];
  for (const [name, text] of declined) {
    it(`leaves ${name} to yaml`, () => assert.equal(parseCommonYaml(text), undefined));
  }

  it('agrees with yaml on every YAML file of the project, and takes the specs people write', () => {
    const files = ['fixtures', 'templates', 'charts', 'test/reference', 'examples'].flatMap((dir) => yamlFilesUnder(path.join(ROOT, dir)));
    assert.ok(files.length > 10);
    let taken = 0;
    for (const file of files) if (agrees(fs.readFileSync(file, 'utf8'), path.relative(ROOT, file))) taken++;
    const demo = yamlFilesUnder(path.join(ROOT, 'fixtures/demo'));
    for (const file of demo) assert.ok(parseCommonYaml(fs.readFileSync(file, 'utf8')), `${path.relative(ROOT, file)} takes the fast path`);
    assert.ok(taken >= demo.length);
  });

  it('agrees with yaml on a generated fleet spec, and takes all of it', () => {
    for (const [file, text] of specFiles(generateFleet({ locations: 300, locationsPerFile: 100 }))) {
      assert.ok(agrees(text, file), `${file} takes the fast path`);
    }
  });

  it('agrees with yaml on every prefix of a varied file: cut anywhere, it declines or agrees', () => {
    const text = accepted.map(([, t]) => t).join('---\n');
    for (let cut = 0; cut <= text.length; cut += 3) agrees(text.slice(0, cut), `prefix ${cut}`);
  });
});
