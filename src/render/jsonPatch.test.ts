import { strict as assert } from 'node:assert';
import type { JsonPatchOperation } from '../api/customizer.js';
import { applyJsonPatch, parseJsonPointer } from './jsonPatch.js';
import { RenderError } from './renderError.js';
import { thrown } from '../../test/support/thrown.js';

function doc(): Record<string, unknown> {
  return {
    metadata: { name: 'app', labels: { a: '1', 'x/y': 'slash', 'm~n': 'tilde' } },
    spec: { replicas: 1, args: ['--a', '--b'], template: { containers: [{ name: 'app', image: 'app:1' }] } },
  };
}

const renderError = (fn: () => unknown): RenderError => thrown(RenderError, fn);

const op = (o: Record<string, unknown>) => o as unknown as JsonPatchOperation;

describe('parseJsonPointer', () => {
  const pointers: [string, string[]][] = [
    ['', []],
    ['/', ['']],
    ['/a/b', ['a', 'b']],
    ['/a~1b/c~0d', ['a/b', 'c~d']],
    ['/~01', ['~1']],
    ['/a//b', ['a', '', 'b']],
  ];
  for (const [pointer, tokens] of pointers) {
    it(`parses ${JSON.stringify(pointer)}`, () => assert.deepEqual(parseJsonPointer(pointer), tokens));
  }
  it('rejects a pointer without a leading /', () => assert.match(renderError(() => parseJsonPointer('a/b')).message, /must start with \//));
  it('rejects a bad escape', () => {
    const error = renderError(() => parseJsonPointer('/a~2'));
    assert.equal(error.col, 3);
    assert.match(error.message, /~ must be followed by 0 or 1/);
  });
});

describe('applyJsonPatch', () => {
  // RFC 6902 appendix A and the cases Customizers need. [name, ops, expected document]
  const applies: [string, Record<string, unknown>[], (d: Record<string, unknown>) => void][] = [
    ['add a map key', [{ op: 'add', path: '/metadata/labels/b', value: '2' }], (d: any) => (d.metadata.labels.b = '2')],
    ['add replaces an existing key', [{ op: 'add', path: '/spec/replicas', value: 3 }], (d: any) => (d.spec.replicas = 3)],
    ['add inserts into a list', [{ op: 'add', path: '/spec/args/1', value: '--x' }], (d: any) => d.spec.args.splice(1, 0, '--x')],
    ['add at the end index', [{ op: 'add', path: '/spec/args/2', value: '--x' }], (d: any) => d.spec.args.push('--x')],
    ['add appends with -', [{ op: 'add', path: '/spec/args/-', value: '--x' }], (d: any) => d.spec.args.push('--x')],
    ['add a map', [{ op: 'add', path: '/spec/strategy', value: { type: 'Recreate' } }], (d: any) => (d.spec.strategy = { type: 'Recreate' })],
    ['add with escaped keys', [{ op: 'add', path: '/metadata/labels/x~1y', value: 's2' }, { op: 'add', path: '/metadata/labels/m~0n', value: 't2' }], (d: any) => Object.assign(d.metadata.labels, { 'x/y': 's2', 'm~n': 't2' })],
    ['add a key named -', [{ op: 'add', path: '/metadata/-', value: 1 }], (d: any) => (d.metadata['-'] = 1)],
    ['remove a key', [{ op: 'remove', path: '/metadata/labels/a' }], (d: any) => delete d.metadata.labels.a],
    ['remove a list element', [{ op: 'remove', path: '/spec/args/0' }], (d: any) => d.spec.args.shift()],
    ['replace a value', [{ op: 'replace', path: '/spec/template/containers/0/image', value: 'app:2' }], (d: any) => (d.spec.template.containers[0].image = 'app:2')],
    ['replace with null', [{ op: 'replace', path: '/spec/replicas', value: null }], (d: any) => (d.spec.replicas = null)],
    ['move a key', [{ op: 'move', from: '/metadata/labels/a', path: '/metadata/labels/c' }], (d: any) => { delete d.metadata.labels.a; d.metadata.labels.c = '1'; }],
    ['move a list element', [{ op: 'move', from: '/spec/args/0', path: '/spec/args/1' }], (d: any) => (d.spec.args = ['--b', '--a'])],
    ['move to itself', [{ op: 'move', from: '/spec', path: '/spec' }], () => {}],
    ['copy a map', [{ op: 'copy', from: '/metadata/labels', path: '/spec/template/labels' }], (d: any) => (d.spec.template.labels = { ...d.metadata.labels })],
    ['test equal values', [{ op: 'test', path: '/spec/template', value: { containers: [{ image: 'app:1', name: 'app' }] } }], () => {}],
    ['test then replace', [{ op: 'test', path: '/spec/replicas', value: 1 }, { op: 'replace', path: '/spec/replicas', value: 2 }], (d: any) => (d.spec.replicas = 2)],
    ['several operations in order', [{ op: 'add', path: '/a', value: {} }, { op: 'add', path: '/a/b', value: [] }, { op: 'add', path: '/a/b/-', value: 1 }], (d: any) => (d.a = { b: [1] })],
  ];
  for (const [name, ops, change] of applies) {
    it(name, () => {
      const expected = doc();
      change(expected);
      assert.deepEqual(applyJsonPatch(doc(), ops.map(op)), expected);
    });
  }

  it('replaces the whole document with path ""', () => {
    assert.deepEqual(applyJsonPatch(doc(), [op({ op: 'replace', path: '', value: { a: 1 } })]), { a: 1 });
    assert.deepEqual(applyJsonPatch(doc(), [op({ op: 'add', path: '', value: [1] })]), [1]);
  });

  it('patches in place and copies values from the operations', () => {
    const target = doc();
    const value = { type: 'Recreate' };
    const ops = [op({ op: 'add', path: '/spec/strategy', value }), op({ op: 'copy', from: '/spec/strategy', path: '/spec/other' })];
    assert.equal(applyJsonPatch(target, ops), target);
    const spec = target['spec'] as Record<string, unknown>;
    assert.notEqual(spec['strategy'], value);
    assert.notEqual(spec['strategy'], spec['other']);
    value.type = 'changed';
    assert.deepEqual(spec['strategy'], { type: 'Recreate' });
  });

  // [name, ops, message includes, hint includes]
  const errors: [string, Record<string, unknown>[], string, string][] = [
    ['a missing parent', [{ op: 'add', path: '/spec/strategy/type', value: 'x' }], 'operation 0 (add /spec/strategy/type): /spec/strategy does not exist', 'create the missing parent first'],
    ['a parent that is a scalar', [{ op: 'add', path: '/spec/replicas/x', value: 1 }], 'the parent /spec/replicas is a number, not a map or list', 'fix the path'],
    ['a step through a scalar', [{ op: 'add', path: '/spec/replicas/x/y', value: 1 }], '/spec/replicas/x cannot be reached: /spec/replicas is a number', 'create the missing parent'],
    ['an index out of range', [{ op: 'add', path: '/spec/args/3', value: 'x' }], 'index 3 at /spec/args is out of range: the list has 2 element(s)', 'indexes start at 0'],
    ['replace past the end', [{ op: 'replace', path: '/spec/args/2', value: 'x' }], 'index 2 at /spec/args is out of range', 'indexes start at 0'],
    ['a bad list index', [{ op: 'add', path: '/spec/args/01', value: 'x' }], '/spec/args/01: is not a list index', 'addressed by number'],
    ['- with replace', [{ op: 'replace', path: '/spec/args/-', value: 'x' }], '- (the end of the list) can only be used with op: add', 'addressed by number'],
    ['removing a missing key', [{ op: 'remove', path: '/metadata/annotations' }], 'operation 0 (remove /metadata/annotations): /metadata/annotations does not exist', 'remove only what is there'],
    ['replacing a missing key', [{ op: 'replace', path: '/spec/paused', value: true }], '/spec/paused does not exist', 'use op: add to create it'],
    ['an inherited key', [{ op: 'replace', path: '/spec/constructor', value: 1 }], '/spec/constructor does not exist', 'use op: add'],
    ['removing the document', [{ op: 'remove', path: '' }], 'cannot remove the whole document', 'name a field'],
    ['a failed test', [{ op: 'replace', path: '/spec/replicas', value: 2 }, { op: 'test', path: '/spec/replicas', value: 3 }], 'operation 1 (test /spec/replicas): test failed: the value is 2, not 3', 'fix the test value'],
    ['a test of a missing value', [{ op: 'test', path: '/spec/nope', value: 1 }], '/spec/nope does not exist', 'the object is not what this patch expects'],
    ['a missing from', [{ op: 'copy', from: '/spec/nope', path: '/a' }], 'from /spec/nope does not exist', 'fix the from pointer'],
    ['a move into its own child', [{ op: 'move', from: '/spec', path: '/spec/x' }], 'cannot move /spec into its own child', 'move to a path outside'],
    ['an unknown op', [{ op: 'merge', path: '/a', value: 1 }], 'op must be one of add, remove, replace, move, copy, test, not "merge"', 'fix the op field'],
    ['a missing path', [{ op: 'add', value: 1 }], 'operation 0 (add ?): the operation has no path', 'add a JSON pointer'],
    ['a missing value', [{ op: 'add', path: '/a' }], 'the operation has no value', 'add the value'],
    ['a missing from field', [{ op: 'move', path: '/a' }], 'the operation has no from', 'add a JSON pointer'],
    ['a pointer without /', [{ op: 'add', path: 'spec/replicas', value: 1 }], 'operation 0 (add spec/replicas): "spec/replicas" is not a JSON pointer', 'write /spec/replicas'],
    ['a __proto__ key', [{ op: 'add', path: '/metadata/__proto__', value: { polluted: true } }], 'cannot set __proto__', 'no such field'],
  ];
  for (const [name, ops, message, hint] of errors) {
    it(`reports ${name}`, () => {
      const error = renderError(() => applyJsonPatch(doc(), ops.map(op)));
      assert.equal(error.code, 'patch');
      assert.ok(error.message.includes(message), error.message);
      assert.ok(error.hint.includes(hint), error.hint);
    });
  }

  it('never pollutes prototypes', () => {
    renderError(() => applyJsonPatch(doc(), [op({ op: 'add', path: '/__proto__/polluted', value: true })]));
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });

  it('rejects operations that are not a list', () => {
    assert.match(renderError(() => applyJsonPatch(doc(), { op: 'add' } as never)).message, /must be a list of operations/);
  });
});
