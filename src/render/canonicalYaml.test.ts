import { strict as assert } from 'node:assert';
import { parse } from 'yaml';
import { toCanonicalYaml } from './canonicalYaml.js';

describe('canonical YAML', () => {
  const roundTrips: [string, unknown][] = [
    ['reserved words stay strings', { a: 'yes', b: 'no', c: 'on', d: 'null', e: 'true', f: '~', g: '' }],
    ['numbers as strings stay strings', { port: '8080', version: '1.0', octal: '0755', exp: '1e3', neg: '-1' }],
    ['numbers, booleans and null', { n: 3, f: 1.5, t: true, z: null }],
    ['special characters', { colon: 'a: b', hash: 'a #b', quote: '"x"', star: '*alias', amp: '&x', bang: '!tag', brace: '{x}' }],
    ['multi-line strings', { script: 'line 1\nline 2\n', noEnd: 'a\nb', keep: 'a\n\n', leading: '  indented\nx' }],
    ['control characters', { cr: 'a\r\nb', tab: 'a\tb', nul: 'a\u0000b' }],
    ['nested lists and maps', { a: [{ b: [1, 2, { c: [] }] }, [], {}], d: { e: { f: 'g' } } }],
    ['odd keys', { 'app.kubernetes.io/name': 'x', 'a b': 1, '': 2, '1': 3, 'yes': 4 }],
    ['unicode', { s: 'Kiruna – Ö', emoji: '🛰️' }],
  ];
  for (const [name, value] of roundTrips) {
    it(`round-trips ${name}`, () => assert.deepEqual(parse(toCanonicalYaml(value)), value));
  }

  it('puts Kubernetes identity first and sorts the rest', () => {
    const text = toCanonicalYaml({
      spec: { z: 1, a: 2 },
      metadata: { labels: { b: '1', a: '2' }, namespace: 'ns', name: 'cm' },
      kind: 'ConfigMap',
      apiVersion: 'v1',
    });
    assert.equal(
      text,
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  namespace: ns\n  labels:\n    a: "2"\n    b: "1"\nspec:\n  a: 2\n  z: 1\n',
    );
  });

  it('writes multi-line strings as literal blocks', () => {
    assert.equal(toCanonicalYaml({ data: { 'run.sh': 'echo hi\nexit 0\n' } }), 'data:\n  run.sh: |\n    echo hi\n    exit 0\n');
  });

  it('is byte-stable whatever the key order of the input', () => {
    const a = toCanonicalYaml({ x: 1, y: { b: 2, a: 1 } });
    const b = toCanonicalYaml({ y: { a: 1, b: 2 }, x: 1 });
    assert.equal(a, b);
  });
});
