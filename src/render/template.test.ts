import { strict as assert } from 'node:assert';
import { parse } from 'yaml';
import { RenderError } from './renderError.js';
import { compileTemplate, createTemplateCache, renderValue, type Properties } from './template.js';
import { thrown } from '../../test/support/thrown.js';

const FILE = 'workloads/telemetry/deploy.yaml.hbs';

function props(extra: Record<string, unknown> = {}): Properties {
  return {
    antenna: 'K-1',
    replicas: 3,
    region: 'eu-north',
    location: {
      name: 'kiruna',
      labels: { region: 'eu-north', 'app.kubernetes.io/name': 'station' },
      annotations: { note: 'a: b' },
      params: { antenna: 'K-1', replicas: 2, debug: false, ports: [80, 443], db: { host: 'db.local', port: 5432 }, empty: '' },
    },
    placement: { name: 'telemetry' },
    source: { commit: 'abc123' },
    ...extra,
  };
}

const renderError = (fn: () => unknown): RenderError => thrown(RenderError, fn);

describe('compileTemplate', () => {
  const renders: [string, string, string][] = [
    ['plain text', 'kind: ConfigMap\n', 'kind: ConfigMap\n'],
    ['built-ins', '{{location.name}}/{{placement.name}}@{{source.commit}}', 'kiruna/telemetry@abc123'],
    ['merged top-level properties', '{{antenna}} x{{replicas}}', 'K-1 x3'],
    ['no HTML escaping', '{{location.annotations.note}} <&>', 'a: b <&>'],
    ['label keys with dots and slashes', '{{location.labels.[app.kubernetes.io/name]}}', 'station'],
    ['list elements and length', '{{location.params.ports.[1]}} {{location.params.ports.length}}', '443 2'],
    ['@root', '{{#with location.params.db}}{{host}}:{{port}} in {{@root.location.name}}{{/with}}', 'db.local:5432 in kiruna'],
    ['null prints nothing', '[{{n}}]', '[]'],
    ['booleans and numbers', '{{location.params.debug}} {{location.params.replicas}}', 'false 2'],
    ['if on a missing property is false', '{{#if location.params.nope}}y{{else}}n{{/if}}', 'n'],
    ['if on a missing parent is false', '{{#if location.nope.deeper}}y{{else}}n{{/if}}', 'n'],
    ['unless', '{{#unless location.params.debug}}quiet{{/unless}}', 'quiet'],
    ['else if chains', '{{#if location.params.nope}}a{{else if location.params.debug}}b{{else}}c{{/if}}', 'c'],
    ['each over a list, standalone lines removed', 'ports:\n{{#each location.params.ports}}\n- {{this}} # {{@index}}\n{{/each}}\n', 'ports:\n- 80 # 0\n- 443 # 1\n'],
    ['each over a map', '{{#each location.labels}}{{@key}}={{this}};{{/each}}', 'region=eu-north;app.kubernetes.io/name=station;'],
    ['each with block params', '{{#each location.params.ports as |port i|}}{{i}}:{{port}} {{/each}}', '0:80 1:443 '],
    ['each with else on a missing list', '{{#each location.params.nope}}x{{else}}none{{/each}}', 'none'],
    ['with else on a missing map', '{{#with location.params.nope}}x{{else}}none{{/with}}', 'none'],
    ['default keeps a set value', '{{default location.params.replicas 1}}', '2'],
    ['default replaces a missing value', '{{default location.params.nope 1}}', '1'],
    ['default replaces an empty string', '{{default location.params.empty "x"}}', 'x'],
    ['default with a missing parent', '{{default location.nope.deeper "d"}}', 'd'],
    ['default chains', '{{default location.params.nope antenna "z"}}', 'K-1'],
    ['quote', '{{quote location.annotations.note}} {{quote location.params.replicas}}', '"a: b" "2"'],
    ['quote escapes', '{{quote q}}', '"a\\"b\\\\c\\n\\u0085"'],
    ['lower and upper', '{{lower "AbC"}} {{upper location.name}}', 'abc KIRUNA'],
    ['json', '{{json location.params.db}} {{json location.params.ports}} {{json "x"}}', '{"host":"db.local","port":5432} [80,443] "x"'],
    ['yaml with nindent', 'db:{{nindent 2 (yaml location.params.db)}}', 'db:\n  host: db.local\n  port: 5432'],
    ['indent', '{{indent 2 s}}|{{indent 0 s}}', '  a\n\n  b|a\n\nb'],
    ['indent block', 'x:\n{{#indent 2}}\na: {{location.name}}\nb: 1\n{{/indent}}\n', 'x:\n  a: kiruna\n  b: 1\n'],
    ['sub-expressions', '{{quote (upper (default location.params.nope "x"))}}', '"X"'],
    ['comments', 'a{{! note }}{{!-- {{nope}} --}}b', 'ab'],
    ['escaped mustache', '\\{{location.name}}', '{{location.name}}'],
    ['triple-stash', '{{{location.annotations.note}}}', 'a: b'],
  ];
  for (const [name, text, expected] of renders) {
    it(`renders ${name}`, () => assert.equal(compileTemplate(text, FILE).render(props({ n: null, s: 'a\n\nb', q: 'a"b\\c\n\u0085' })), expected));
  }

  it('renders YAML that parses', () => {
    const text = 'metadata:\n  name: {{location.name}}\n  annotations:\n    note: {{quote location.annotations.note}}\ndata:{{nindent 2 (yaml location.params)}}\n';
    const doc = parse(compileTemplate(text, FILE).render(props()));
    assert.equal(doc.metadata.annotations.note, 'a: b');
    assert.deepEqual(doc.data.db, { host: 'db.local', port: 5432 });
  });

  it('is compiled once and renders for many property sets', () => {
    const template = compileTemplate('{{location.name}}-{{default location.params.replicas 1}}', FILE);
    const out = Array.from({ length: 100 }, (_, i) => template.render(props({ location: { name: `l${i}`, labels: {}, annotations: {}, params: {} } })));
    assert.equal(out[42], 'l42-1');
  });

  // [name, template, line, col, message includes, hint includes]
  const missing: [string, string, number, number, string, string][] = [
    ['a location param', 'a: 1\nantenna: {{location.params.antena}}', 2, 12, 'property location.params.antena is not defined', "define params.antena on the Location (spec.params), or use {{antena}}, which a label, an annotation or a Customizer's spec.params can also define"],
    ['a top-level property', 'x: {{antena}}', 1, 6, 'property antena is not defined', "define antena in the Location's spec.params, as a Location label or annotation, or in a Customizer's spec.params"],
    ['a label', '{{location.labels.ring}}', 1, 3, 'property location.labels.ring is not defined', 'add the label ring to the Location'],
    ['a missing parent', '  {{location.parms.antenna}}', 1, 5, 'property location.parms is not defined (in {{location.parms.antenna}})', 'defined there: annotations, labels, name, params'],
    ['a step into a string', '{{location.name.first}}', 1, 3, 'property location.name.first is not defined: location.name is a string', 'use {{location.name}}'],
    ['a helper argument', 'x: {{quote location.params.antena}}', 1, 12, 'property location.params.antena is not defined', 'give a fallback: {{default location.params.antena "…"}}'],
    ['a nested helper argument', '{{quote (upper nope)}}', 1, 16, 'property nope is not defined', 'define nope'],
    ['default without fallback', '{{default location.params.nope}}', 1, 11, 'property location.params.nope is not defined', 'define params.nope'],
    ['default whose fallback is missing too', '{{default a b}}', 1, 13, 'property b is not defined', 'define b'],
    ['an each list', '{{#each location.params.nope}}x{{/each}}', 1, 9, 'property location.params.nope is not defined', 'define params.nope'],
    ['a with map', '{{#with location.params.nope}}x{{/with}}', 1, 9, 'property location.params.nope is not defined', 'define params.nope'],
    ['a name inside each', '{{#each location.params.ports}}{{name}}{{/each}}', 1, 34, 'property name is not defined inside {{#each}}', 'use @root.name for a top-level property'],
    ['a block parameter field', '{{#each location.params.ports as |p|}}{{p.name}}{{/each}}', 1, 41, 'property p.name is not defined inside {{#each}}', 'check the field name'],
    ['an inherited property', '{{location.toString}}', 1, 3, 'property location.toString is not defined', 'check the name'],
    ['@root path', '{{#each location.params.ports}}{{@root.nope}}{{/each}}', 1, 34, 'property nope is not defined (in {{@root.nope}})', 'define nope'],
  ];
  for (const [name, text, line, col, message, hint] of missing) {
    it(`names the file, line, column and path of ${name}`, () => {
      const template = compileTemplate(text, FILE);
      const error = renderError(() => template.render(props()));
      assert.equal(error.code, 'template');
      assert.equal(error.file, FILE);
      assert.deepEqual([error.line, error.col], [line, col]);
      assert.ok(error.message.includes(message), error.message);
      assert.ok(error.hint.includes(hint), error.hint);
    });
  }

  const badValues: [string, string, Record<string, unknown>, string][] = [
    ['a map printed as text', '{{location.params.db}}', {}, 'location.params.db is a map or list and cannot be printed as text'],
    ['a list printed as text', '{{location.params.ports}}', {}, 'location.params.ports is a map or list'],
    ['a map from default', '{{default location.params.nope location.params.db}}', {}, 'is a map or list'],
    ['a map given to quote', '{{quote location.params.db}}', {}, 'quote needs a string, number or boolean, not a map'],
    ['a bad indent count', '{{indent "x" location.name}}', {}, 'indent needs a number of spaces'],
    ['a function in the properties', '{{f}}', { f: () => 'x' }, 'cannot be printed as text'],
  ];
  for (const [name, text, extra, message] of badValues) {
    it(`rejects ${name}`, () => {
      const error = renderError(() => compileTemplate(text, FILE).render(props(extra)));
      assert.equal(error.code, 'template');
      assert.equal(error.line, 1);
      assert.ok(error.message.includes(message), error.message);
    });
  }

  // Templates that try to leave the data: all rejected when compiled.
  const unsafe: [string, string, string][] = [
    ['constructor', '{{constructor}}', 'reaches constructor'],
    ['constructor of a property', '{{location.constructor.name}}', 'reaches constructor'],
    ['__proto__', '{{__proto__}}', 'reaches __proto__'],
    ['__proto__ as a literal segment', '{{location.[__proto__].x}}', 'reaches __proto__'],
    ['prototype', '{{location.name.prototype}}', 'reaches prototype'],
    ['this.constructor', '{{#with location}}{{this.constructor}}{{/with}}', 'reaches constructor'],
    ['../constructor', '{{#each location.params.ports}}{{../constructor}}{{/each}}', 'reaches constructor'],
    ['@root.constructor', '{{@root.constructor.constructor}}', 'reaches constructor'],
    ['a constructor helper argument', '{{json constructor}}', 'reaches constructor'],
    ['a constructor in if', '{{#if constructor}}x{{/if}}', 'reaches constructor'],
    ['__defineGetter__', '{{__defineGetter__}}', 'reaches __defineGetter__'],
    ['lookup', '{{lookup location "constructor"}}', 'unknown helper lookup'],
    ['lookup in a sub-expression', '{{json (lookup this "constructor")}}', 'unknown helper lookup'],
    ['lookup as a block', '{{#lookup this "x"}}{{/lookup}}', 'is not a supported block'],
    ['log', '{{log "x"}}', 'unknown helper log'],
    ['helperMissing', '{{helperMissing "x"}}', 'unknown helper helperMissing'],
    ['a partial', '{{> secrets}}', 'partials'],
    ['a dynamic partial', '{{> (lookup . "x")}}', 'partials'],
    ['a partial block', '{{#> layout}}x{{/layout}}', 'partials'],
    ['an inline partial', '{{#*inline "x"}}y{{/inline}}', 'decorators'],
    ['a raw block', '{{{{raw}}}} {{x}} {{{{/raw}}}}', 'is not a supported block'],
    ['an unknown data variable', '{{@partial-block}}', 'unknown data variable'],
    ['hash options', '{{json location foo=constructor}}', 'takes no name=value options'],
    ['an unknown helper', '{{exec "rm -rf /"}}', 'unknown helper exec'],
    ['a block helper as a value', '{{each location}}', 'each is a block helper'],
    ['a literal mustache', '{{"constructor"}}', 'prints a literal'],
  ];
  for (const [name, text, message] of unsafe) {
    it(`rejects ${name} when compiling`, () => {
      const error = renderError(() => compileTemplate(text, FILE));
      assert.equal(error.code, 'template');
      assert.equal(error.file, FILE);
      assert.equal(error.line, 1);
      assert.ok(error.message.includes(message), error.message);
    });
  }

  it('never reads inherited properties, even from polluted data', () => {
    const data = JSON.parse('{"__proto__": {"secret": "x"}}') as Record<string, unknown>;
    const inherited = Object.create({ secret: 'x' }) as Record<string, unknown>;
    for (const obj of [data, inherited]) {
      const error = renderError(() => compileTemplate('{{obj.secret}}', FILE).render(props({ obj })));
      assert.ok(error.message.includes('property obj.secret is not defined'), error.message);
    }
  });

  const syntax: [string, string, number, number, string][] = [
    ['an unclosed mustache', 'a: 1\nb: {{location.name', 2, 4, 'template syntax: {{ is not closed'],
    ['an unclosed mustache before others', 'a: {{x}}\nb: {{x\nc: {{y}}', 2, 4, 'template syntax: {{ is not closed'],
    ['an unclosed block', 'a:\n{{#if x}}\nb\n', 4, 1, 'a {{#block}} is not closed'],
    ['a mismatched block', 'x\n  {{#if a}}{{/each}}', 2, 6, "if doesn't match each"],
    ['a triple-stash closed by two braces', '{{{a}}', 1, 1, '{{ is not closed'],
    ['a stray closing parenthesis', 'x: {{a)}}', 1, 7, 'unexpected )'],
    ['wrong arity', 'a\n\n{{quote a b}}', 3, 1, 'quote takes 1 argument(s), not 2'],
    ['if without argument', '{{#if}}x{{/if}}', 1, 1, 'if takes 1 argument(s), not 0'],
    ['each with two arguments', '{{#each a b}}x{{/each}}', 1, 1, 'each takes 1 argument(s), not 2'],
  ];
  for (const [name, text, line, col, message] of syntax) {
    it(`reports ${name} at its line and column`, () => {
      const error = renderError(() => compileTemplate(text, FILE));
      assert.equal(error.code, 'template');
      assert.deepEqual([error.file, error.line, error.col], [FILE, line, col]);
      assert.ok(error.message.includes(message), error.message);
      assert.ok(error.hint.length > 0);
    });
  }
});

describe('renderValue', () => {
  const values: [string, unknown, unknown][] = [
    ['a number stays a number', '{{location.params.replicas}}', 2],
    ['a boolean stays a boolean', '{{location.params.debug}}', false],
    ['a map stays a map', '{{location.params.db}}', { host: 'db.local', port: 5432 }],
    ['a list stays a list', '{{ location.params.ports }}', [80, 443]],
    ['a helper result keeps its type', '{{default location.params.nope 5}}', 5],
    ['a typed default of a set value', '{{default location.params.replicas 5}}', 2],
    ['triple-stash keeps the type', '{{{location.params.replicas}}}', 2],
    ['text around makes a string', 'r{{location.params.replicas}}', 'r2'],
    ['two expressions make a string', '{{location.params.replicas}}{{location.params.replicas}}', '22'],
    ['a block makes a string', '{{#if location.params.debug}}a{{else}}b{{/if}}', 'b'],
    ['a plain string is left alone', 'no braces %(x)', 'no braces %(x)'],
    ['scalars are left alone', 7, 7],
    ['null is left alone', null, null],
    ['nested values', { op: 'add', path: '/metadata/labels/station', value: ['{{location.name}}', { n: '{{replicas}}' }] }, { op: 'add', path: '/metadata/labels/station', value: ['kiruna', { n: 3 }] }],
    ['keys are not rendered', { '{{location.name}}': 1 }, { '{{location.name}}': 1 }],
  ];
  for (const [name, value, expected] of values) {
    it(name, () => assert.deepEqual(renderValue(value, props()), expected));
  }

  it('never shares structure with the properties or the input', () => {
    const p = props();
    const db = renderValue('{{location.params.db}}', p) as Record<string, unknown>;
    db['host'] = 'changed';
    assert.equal((p.location.params['db'] as Record<string, unknown>)['host'], 'db.local');
    const input = { a: { b: 1 } };
    const out = renderValue(input, p) as typeof input;
    assert.notEqual(out.a, input.a);
    assert.deepEqual(out, input);
  });

  it('compiles a value once per cache', () => {
    const cache = createTemplateCache();
    for (let i = 0; i < 50; i++) renderValue({ a: '{{location.name}}', b: 'x-{{location.name}}' }, props(), cache);
    assert.deepEqual([...cache.keys()].sort(), ['x-{{location.name}}', '{{location.name}}']);
    // A foreign entry under the same text is replaced, not trusted.
    cache.set('{{replicas}}', 'not a template');
    assert.equal(renderValue('{{replicas}}', props(), cache), 3);
  });

  const errors: [string, unknown, string][] = [
    ['a missing property', '{{location.params.antena}}', 'property location.params.antena is not defined (in "{{location.params.antena}}" at 1:3)'],
    ['a missing property in text', 'x-{{antena}}', 'property antena is not defined (in "x-{{antena}}" at 1:5)'],
    ['a missing property deep in a value', { a: [{ b: '{{nope}}' }] }, 'property nope is not defined'],
    ['a syntax error', '{{#if x}}', 'a {{#block}} is not closed (in "{{#if x}}"'],
    ['prototype access', '{{constructor}}', 'reaches constructor'],
    ['a __proto__ key', JSON.parse('{"__proto__": {"x": 1}}') as unknown, 'the key __proto__ is not allowed'],
  ];
  for (const [name, value, message] of errors) {
    it(`reports ${name}`, () => {
      const error = renderError(() => renderValue(value, props()));
      assert.equal(error.code, 'template');
      assert.equal(error.line, undefined, 'positions in a value are not positions in a file');
      assert.ok(error.message.includes(message), error.message);
    });
  }
});
