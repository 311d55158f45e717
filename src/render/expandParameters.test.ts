import { strict as assert } from 'node:assert';
import { expandParameters } from './expandParameters.js';
import { RenderError } from './renderError.js';
import { thrown } from '../../test/support/thrown.js';

const PROPS: Record<string, unknown> = {
  region: 'eu-north',
  antenna: 'K-1',
  replicas: 2,
  debug: false,
  nothing: null,
  ports: [80, 443],
  db: { host: 'db.local' },
  'location.name': 'kiruna',
};
const lookup = (name: string): unknown => (Object.prototype.hasOwnProperty.call(PROPS, name) ? PROPS[name] : undefined);

const renderError = (fn: () => unknown): RenderError => thrown(RenderError, fn);

describe('expandParameters', () => {
  // [name, input, expected]
  const expands: [string, unknown, unknown][] = [
    ['a whole-string string', '%(region)', 'eu-north'],
    ['inside a string', 'station-%(antenna).%(region)', 'station-K-1.eu-north'],
    ['a whole-string number keeps its type', '%(replicas)', 2],
    ['a whole-string boolean keeps its type', '%(debug)', false],
    ['a whole-string null keeps its type', '%(nothing)', null],
    ['a whole-string list keeps its type', '%(ports)', [80, 443]],
    ['a whole-string map keeps its type', '%(db)', { host: 'db.local' }],
    ['a number inside a string', 'x%(replicas)', 'x2'],
    ['null inside a string', '[%(nothing)]', '[]'],
    ['dotted names as the lookup defines them', '%(location.name)', 'kiruna'],
    ['% not followed by ( is kept', '100% %d %x %', '100% %d %x %'],
    ['%% is no escape: %%(name) is % then a reference', '%%(region)', '%eu-north'],
    ['strings without references', 'plain', 'plain'],
    ['scalars', 5, 5],
    ['nested maps and lists', { metadata: { labels: { region: '%(region)' } }, spec: { replicas: '%(replicas)', args: ['--a=%(antenna)', 'b'] } }, { metadata: { labels: { region: 'eu-north' } }, spec: { replicas: 2, args: ['--a=K-1', 'b'] } }],
    ['keys are not expanded', { '%(region)': '%(region)' }, { '%(region)': 'eu-north' }],
  ];
  for (const [name, input, expected] of expands) {
    it(`expands ${name}`, () => assert.deepEqual(expandParameters(input, lookup), expected));
  }

  it('updates maps and lists in place', () => {
    const object = { a: ['%(region)'], b: { c: '%(antenna)' } };
    assert.equal(expandParameters(object, lookup), object);
    assert.deepEqual(object, { a: ['eu-north'], b: { c: 'K-1' } });
  });

  it('never shares a map or list value with the properties', () => {
    const object = { spec: { db: '%(db)' } } as Record<string, any>;
    expandParameters(object, lookup);
    object['spec'].db.host = 'changed';
    assert.deepEqual(PROPS['db'], { host: 'db.local' });
  });

  // [name, input, message includes, hint includes]
  const errors: [string, unknown, string, string][] = [
    ['an undefined name', { spec: { template: { metadata: { labels: { site: 'x-%(site)' } } } } }, 'parameter %(site) is not defined (at $.spec.template.metadata.labels.site)', "define site in the Location's spec.params"],
    ['an undefined name in a list', { args: ['ok', '--x=%(nope)'] }, 'parameter %(nope) is not defined (at $.args[1])', 'define nope'],
    ['an undefined name under an odd key', { metadata: { annotations: { 'app.kubernetes.io/x': '%(nope)' } } }, "(at $.metadata.annotations['app.kubernetes.io/x'])", 'define nope'],
    ['an unterminated reference', { a: 'x %(region' }, 'unterminated parameter reference "%(region"', 'close the reference'],
    ['an empty reference', { a: '%()' }, 'empty parameter reference %()', 'write %(name)'],
    ['a map inside a longer string', { a: 'db=%(db)' }, 'parameter %(db) is a map and cannot be part of a longer string', 'make the string exactly %(db)'],
    ['a list inside a longer string', { a: 'p=%(ports)' }, 'parameter %(ports) is a list', 'make the string exactly %(ports)'],
  ];
  for (const [name, input, message, hint] of errors) {
    it(`reports ${name}`, () => {
      const error = renderError(() => expandParameters(input, lookup));
      assert.equal(error.code, 'template');
      assert.ok(error.message.includes(message), error.message);
      assert.ok(error.hint.includes(hint), error.hint);
    });
  }
});
