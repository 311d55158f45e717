import { strict as assert } from 'node:assert';
import { parseJsonPath, setAtJsonPath } from './jsonPath.js';
import { RenderError } from './renderError.js';
import { thrown } from '../../test/support/thrown.js';

function deployment(): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'telemetry', labels: { app: 'telemetry', 'app.kubernetes.io/name': 'tm' } },
    spec: {
      replicas: 1,
      template: {
        spec: {
          containers: [
            { name: 'app', image: 'app:1', ports: [{ containerPort: 8080 }] },
            { name: 'sidecar', image: 'side:1', ports: [{ containerPort: 9090 }] },
          ],
        },
      },
    },
  };
}

const renderError = (fn: () => unknown): RenderError => thrown(RenderError, fn);

describe('parseJsonPath', () => {
  const parses: [string, unknown[]][] = [
    ['$', []],
    ['$.spec.replicas', [{ kind: 'name', name: 'spec' }, { kind: 'name', name: 'replicas' }]],
    ['spec.replicas', [{ kind: 'name', name: 'spec' }, { kind: 'name', name: 'replicas' }]],
    ["$.metadata.labels['app.kubernetes.io/name']", [{ kind: 'name', name: 'metadata' }, { kind: 'name', name: 'labels' }, { kind: 'name', name: 'app.kubernetes.io/name' }]],
    ['$["a b"]', [{ kind: 'name', name: 'a b' }]],
    ["$['it\\'s']", [{ kind: 'name', name: "it's" }]],
    ['$.a[0][-1]', [{ kind: 'name', name: 'a' }, { kind: 'index', index: 0 }, { kind: 'index', index: -1 }]],
    ['$.a[*].b.*', [{ kind: 'name', name: 'a' }, { kind: 'wildcard' }, { kind: 'name', name: 'b' }, { kind: 'wildcard' }]],
    ['$.data.my-key_1/x', [{ kind: 'name', name: 'data' }, { kind: 'name', name: 'my-key_1/x' }]],
    ["$.c[?(@.name=='app')]", [{ kind: 'name', name: 'c' }, { kind: 'filter', key: ['name'], op: '==', value: 'app', quoted: true, raw: 'app' }]],
    ['$.c[?(@.name==app)]', [{ kind: 'name', name: 'c' }, { kind: 'filter', key: ['name'], op: '==', value: 'app', quoted: false, raw: 'app' }]],
    ['$.c[?( @.port == 8080 )]', [{ kind: 'name', name: 'c' }, { kind: 'filter', key: ['port'], op: '==', value: 8080, quoted: false, raw: '8080' }]],
    ['$.c[?(@.a.b!="x")]', [{ kind: 'name', name: 'c' }, { kind: 'filter', key: ['a', 'b'], op: '!=', value: 'x', quoted: true, raw: 'x' }]],
    ["$.c[?(@['k.x']==true)]", [{ kind: 'name', name: 'c' }, { kind: 'filter', key: ['k.x'], op: '==', value: true, quoted: false, raw: 'true' }]],
  ];
  for (const [expr, segments] of parses) {
    it(`parses ${expr}`, () => {
      const path = parseJsonPath(expr);
      assert.deepEqual(
        path.segments.map(({ start: _s, end: _e, ...rest }) => rest),
        segments,
      );
    });
  }

  // [expression, 1-based column of the bad character, message includes]
  const errors: [string, number, string][] = [
    ['', 1, 'the path is empty'],
    ['$.', 3, 'expected a name'],
    ['$..a', 3, "recursive descent '..' is not supported"],
    ['$.a[', 5, 'unclosed ['],
    ['$.a[x]', 5, "unexpected 'x' after ["],
    ["$.a['x]", 5, 'unterminated quoted name'],
    ["$.a['x'", 8, "expected ']' at the end"],
    ['$.a[1', 6, "expected ']' at the end"],
    ['$.a[-]', 6, 'expected a digit'],
    ['$.a b', 4, "unexpected ' ' in a name"],
    ['$a', 2, "unexpected 'a'"],
    ['$.a]', 4, "unexpected ']' in a name"],
    ['$.a[?(@.x)]', 10, 'expected == or !='],
    ['$.a[?(@.x==)]', 12, 'expected a value to compare with'],
    ['$.a[?(x==1)]', 7, "expected '@', found 'x'"],
    ['$.a[?(@==1)]', 8, 'expected .name after @'],
    ['$.a[?(@.x==1]', 13, "expected ')', found ']'"],
    ['$.__proto__.x', 3, 'the name __proto__ is not allowed'],
    ["$['__proto__']", 3, 'the name __proto__ is not allowed'],
  ];
  for (const [expr, col, message] of errors) {
    it(`rejects ${JSON.stringify(expr)} at column ${col}`, () => {
      const error = renderError(() => parseJsonPath(expr));
      assert.equal(error.code, 'json-path');
      assert.equal(error.col, col);
      assert.ok(error.message.includes(message), error.message);
      assert.ok(error.hint.length > 0);
    });
  }
});

describe('setAtJsonPath', () => {
  // [name, path, value, expected count, [pointer-ish getter, expected value]]
  const sets: [string, string, unknown, number, (d: any) => unknown, unknown][] = [
    ['a scalar', '$.spec.replicas', 3, 1, (d) => d.spec.replicas, 3],
    ['a map value', '$.spec.strategy', { type: 'Recreate' }, 1, (d) => d.spec.strategy, { type: 'Recreate' }],
    ['a quoted key', "$.metadata.labels['app.kubernetes.io/name']", 'x', 1, (d) => d.metadata.labels['app.kubernetes.io/name'], 'x'],
    ['an index', '$.spec.template.spec.containers[1].image', 'side:2', 1, (d) => d.spec.template.spec.containers[1].image, 'side:2'],
    ['a negative index', '$.spec.template.spec.containers[-1].image', 'side:3', 1, (d) => d.spec.template.spec.containers[1].image, 'side:3'],
    ['a wildcard', '$.spec.template.spec.containers[*].image', 'x:1', 2, (d) => d.spec.template.spec.containers.map((c: any) => c.image), ['x:1', 'x:1']],
    ['a map wildcard', '$.metadata.labels.*', 'v', 2, (d) => Object.values(d.metadata.labels), ['v', 'v']],
    ['a quoted filter', "$.spec.template.spec.containers[?(@.name=='app')].image", 'app:2', 1, (d) => d.spec.template.spec.containers[0].image, 'app:2'],
    ['a bare filter', '$.spec.template.spec.containers[?(@.name==sidecar)].image', 's:2', 1, (d) => d.spec.template.spec.containers[1].image, 's:2'],
    ['a != filter', "$.spec.template.spec.containers[?(@.name!='app')].image", 's:3', 1, (d) => d.spec.template.spec.containers.map((c: any) => c.image), ['app:1', 's:3']],
    ['a numeric filter', '$.spec.template.spec.containers[*].ports[?(@.containerPort==9090)].name', 'metrics', 1, (d) => d.spec.template.spec.containers[1].ports[0].name, 'metrics'],
    ['a missing leaf (created)', '$.metadata.annotations', { a: 'b' }, 1, (d) => d.metadata.annotations, { a: 'b' }],
    ['missing maps (created)', '$.spec.template.metadata.labels.site', 'kiruna', 1, (d) => d.spec.template.metadata, { labels: { site: 'kiruna' } }],
    ['missing maps after a filter (created)', "$.spec.template.spec.containers[?(@.name=='app')].resources.limits.cpu", '1', 1, (d) => d.spec.template.spec.containers[0].resources, { limits: { cpu: '1' } }],
    ['null replaced by a map', '$.spec.selector.matchLabels.app', 'x', 1, (d) => d.spec.selector, { matchLabels: { app: 'x' } }],
    ['without $', 'spec.replicas', 5, 1, (d) => d.spec.replicas, 5],
  ];
  for (const [name, expr, value, count, get, expected] of sets) {
    it(`sets ${name}`, () => {
      const doc = deployment();
      (doc['spec'] as Record<string, unknown>)['selector'] = null;
      assert.equal(setAtJsonPath(doc, parseJsonPath(expr), value), count);
      assert.deepEqual(get(doc), expected);
    });
  }

  it('gives every place its own copy of the value', () => {
    const doc = deployment();
    const value = { limits: { cpu: '1' } };
    setAtJsonPath(doc, parseJsonPath('$.spec.template.spec.containers[*].resources'), value);
    const [a, b] = (doc as any).spec.template.spec.containers;
    assert.notEqual(a.resources, value);
    assert.notEqual(a.resources, b.resources);
    assert.deepEqual(a.resources, value);
  });

  it('applies one parsed path to many documents', () => {
    const path = parseJsonPath('$.spec.replicas');
    const docs = Array.from({ length: 10 }, deployment);
    docs.forEach((doc, i) => setAtJsonPath(doc, path, i));
    assert.deepEqual(docs.map((d: any) => d.spec.replicas), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  // [name, path, col, message includes, hint includes]
  const misses: [string, string, number, string, string][] = [
    ['an index out of range', '$.spec.template.spec.containers[5].image', 32, 'containers[5] is out of range: the list has 2 element(s)', 'indexes start at 0'],
    ['a filter matching nothing', "$.spec.template.spec.containers[?(@.name=='db')].image", 32, "matched no element with @.name == 'db'", 'check the value'],
    ['a missing list before an index', '$.spec.template.spec.initContainers[0].image', 21, 'initContainers does not exist', 'only map keys on the last steps'],
    ['a missing map before a filter', "$.spec.volumes[?(@.name=='x')].secret", 7, 'spec.volumes does not exist', 'add the missing part with a JSON patch'],
    ['a name on a list', '$.spec.template.spec.containers.image', 32, '$.spec.template.spec.containers is a list, not a map', 'check the path'],
    ['an index on a map', '$.spec[0]', 7, '$.spec is a map, not a list', 'check the path'],
    ['a name on a scalar', '$.spec.replicas.value', 16, '$.spec.replicas is a number, not a map', 'check the path'],
    ['a step into a scalar document', 'a', 1, 'the document is a string, not a map', 'check the path'],
    ['a wildcard on an empty list', '$.spec.list[*].x', 12, 'matched no element: the list or map is empty', 'check that the object'],
    ['the whole object', '$', 0, 'names the whole object', 'name a field'],
  ];
  for (const [name, expr, col, message, hint] of misses) {
    it(`reports ${name}`, () => {
      const doc = deployment();
      (doc['spec'] as Record<string, unknown>)['list'] = [];
      const error = renderError(() => setAtJsonPath(expr === 'a' ? 'text' : doc, parseJsonPath(expr), 1));
      assert.equal(error.code, 'json-path');
      if (col > 0) assert.equal(error.col, col);
      assert.ok(error.message.includes(message), error.message);
      assert.ok(error.hint.includes(hint), error.hint);
    });
  }

  it('creates nothing when the path cannot be completed', () => {
    const doc = deployment();
    renderError(() => setAtJsonPath(doc, parseJsonPath('$.spec.x.y[0].z'), 1));
    assert.deepEqual(doc, deployment());
  });
});
