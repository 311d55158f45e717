import { strict as assert } from 'node:assert';
import { RenderError } from './renderError.js';
import { strategicMerge } from './strategicMerge.js';
import { thrown } from '../../test/support/thrown.js';

function deployment(): Record<string, any> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'app', labels: { app: 'app' }, finalizers: ['a'] },
    spec: {
      replicas: 1,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } },
      template: {
        spec: {
          containers: [
            {
              name: 'app',
              image: 'app:1',
              args: ['--a'],
              env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }],
              envFrom: [{ configMapRef: { name: 'x' } }],
              ports: [{ containerPort: 80, name: 'http' }],
              volumeMounts: [{ name: 'data', mountPath: '/data' }],
            },
            { name: 'sidecar', image: 'side:1' },
          ],
          volumes: [{ name: 'data', emptyDir: {} }],
          tolerations: [{ key: 'a', operator: 'Exists' }],
          imagePullSecrets: [{ name: 'reg' }],
        },
      },
    },
  };
}

const containers = (patch: unknown) => ({ spec: { template: { spec: { containers: patch } } } });
const podSpec = (patch: Record<string, unknown>) => ({ spec: { template: { spec: patch } } });

const renderError = (fn: () => unknown): RenderError => thrown(RenderError, fn);

describe('strategicMerge', () => {
  // [name, patch, change the expected document]
  const merges: [string, unknown, (d: Record<string, any>) => void][] = [
    ['merges maps and sets scalars', { spec: { replicas: 3 }, metadata: { labels: { site: 'kiruna' } } }, (d) => { d.spec.replicas = 3; d.metadata.labels.site = 'kiruna'; }],
    ['deletes a key with null', { spec: { strategy: { rollingUpdate: null } }, metadata: { labels: null } }, (d) => { delete d.spec.strategy.rollingUpdate; delete d.metadata.labels; }],
    ['drops nulls inside new maps', { metadata: { annotations: { a: null, b: 'x' } } }, (d) => (d.metadata.annotations = { b: 'x' })],
    ['merges containers by name', containers([{ name: 'app', image: 'app:2' }]), (d) => (d.spec.template.spec.containers[0].image = 'app:2')],
    ['appends a new container', containers([{ name: 'proxy', image: 'p:1' }]), (d) => d.spec.template.spec.containers.push({ name: 'proxy', image: 'p:1' })],
    ['deletes a container with $patch: delete', containers([{ name: 'sidecar', $patch: 'delete' }]), (d) => d.spec.template.spec.containers.splice(1, 1)],
    ['merges env by name inside a container', containers([{ name: 'app', env: [{ name: 'B', value: '3' }, { name: 'C', value: '4' }] }]), (d) => (d.spec.template.spec.containers[0].env = [{ name: 'A', value: '1' }, { name: 'B', value: '3' }, { name: 'C', value: '4' }])],
    ['removes an env field with null', containers([{ name: 'app', env: [{ name: 'A', value: null, valueFrom: { fieldRef: { fieldPath: 'x' } } }] }]), (d) => (d.spec.template.spec.containers[0].env[0] = { name: 'A', valueFrom: { fieldRef: { fieldPath: 'x' } } })],
    ['merges container ports by containerPort', containers([{ name: 'app', ports: [{ containerPort: 80, protocol: 'TCP' }, { containerPort: 9090 }] }]), (d) => (d.spec.template.spec.containers[0].ports = [{ containerPort: 80, name: 'http', protocol: 'TCP' }, { containerPort: 9090 }])],
    ['merges volumeMounts by mountPath', containers([{ name: 'app', volumeMounts: [{ mountPath: '/data', readOnly: true }, { name: 'tmp', mountPath: '/tmp' }] }]), (d) => (d.spec.template.spec.containers[0].volumeMounts = [{ name: 'data', mountPath: '/data', readOnly: true }, { name: 'tmp', mountPath: '/tmp' }])],
    ['merges volumes by name', podSpec({ volumes: [{ name: 'cfg', configMap: { name: 'c' } }] }), (d) => d.spec.template.spec.volumes.push({ name: 'cfg', configMap: { name: 'c' } })],
    ['merges imagePullSecrets by name', podSpec({ imagePullSecrets: [{ name: 'reg' }, { name: 'other' }] }), (d) => d.spec.template.spec.imagePullSecrets.push({ name: 'other' })],
    ['replaces tolerations', podSpec({ tolerations: [{ key: 'b', operator: 'Exists' }] }), (d) => (d.spec.template.spec.tolerations = [{ key: 'b', operator: 'Exists' }])],
    ['replaces args', containers([{ name: 'app', args: ['--z'] }]), (d) => (d.spec.template.spec.containers[0].args = ['--z'])],
    ['replaces envFrom', containers([{ name: 'app', envFrom: [{ secretRef: { name: 's' } }] }]), (d) => (d.spec.template.spec.containers[0].envFrom = [{ secretRef: { name: 's' } }])],
    ['replaces a map with $patch: replace', { spec: { strategy: { $patch: 'replace', type: 'Recreate' } } }, (d) => (d.spec.strategy = { type: 'Recreate' })],
    ['deletes a map with $patch: delete', { spec: { strategy: { $patch: 'delete' } } }, (d) => delete d.spec.strategy],
    ['merges with $patch: merge', { spec: { strategy: { $patch: 'merge', type: 'X' } } }, (d) => (d.spec.strategy.type = 'X')],
    ['replaces a merging list with a {$patch: replace} element', containers([{ $patch: 'replace' }, { name: 'only', image: 'o:1' }]), (d) => (d.spec.template.spec.containers = [{ name: 'only', image: 'o:1' }])],
    ['keeps only $retainKeys', { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } }, (d) => (d.spec.strategy = { type: 'Recreate' })],
    ['deletes from a primitive list', { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } }, (d) => (d.metadata.finalizers = [])],
    ['merges finalizers as a set', { metadata: { finalizers: ['a', 'b'] } }, (d) => (d.metadata.finalizers = ['a', 'b'])],
    ['ignores $setElementOrder', podSpec({ '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'app' }], containers: [{ name: 'app', image: 'app:3' }] }), (d) => (d.spec.template.spec.containers[0].image = 'app:3')],
    ['creates missing lists and maps', { spec: { template: { metadata: { labels: { a: 'b' } } } } }, (d) => (d.spec.template.metadata = { labels: { a: 'b' } })],
    ['replaces a scalar with a map', { spec: { replicas: { a: 1 } } }, (d) => (d.spec.replicas = { a: 1 })],
  ];
  for (const [name, patch, change] of merges) {
    it(name, () => {
      const expected = deployment();
      change(expected);
      assert.deepEqual(strategicMerge(deployment(), patch), expected);
    });
  }

  it('merges Service ports by port', () => {
    const service = { spec: { ports: [{ port: 80, targetPort: 8080, name: 'http' }] } };
    const merged = strategicMerge(service, { spec: { ports: [{ port: 80, targetPort: 9090 }, { port: 443, name: 'https' }] } });
    assert.deepEqual(merged, { spec: { ports: [{ port: 80, targetPort: 9090, name: 'http' }, { port: 443, name: 'https' }] } });
  });

  it('keeps the target order and appends new elements in patch order', () => {
    const merged = strategicMerge(deployment(), containers([{ name: 'z' }, { name: 'sidecar', image: 's:2' }, { name: 'y' }])) as Record<string, any>;
    assert.deepEqual(merged['spec'].template.spec.containers.map((c: any) => c.name), ['app', 'sidecar', 'z', 'y']);
  });

  it('merges in place and never shares values with the patch', () => {
    const target = deployment();
    const patch = { metadata: { annotations: { a: 'b' } }, spec: { template: { spec: { containers: [{ name: 'new', args: ['x'] }] } } } };
    assert.equal(strategicMerge(target, patch), target);
    patch.metadata.annotations.a = 'changed';
    patch.spec.template.spec.containers[0]!.args[0] = 'changed';
    assert.equal(target['metadata'].annotations.a, 'b');
    assert.deepEqual(target['spec'].template.spec.containers[2], { name: 'new', args: ['x'] });
  });

  it('replaces the target when the patch is not a map', () => {
    assert.deepEqual(strategicMerge({ a: 1 }, [1, 2]), [1, 2]);
    assert.equal(strategicMerge({ a: 1 }, 'x'), 'x');
  });

  it('merges into a target that is not a map', () => {
    assert.deepEqual(strategicMerge('x', { a: { b: null, c: 1 } }), { a: { c: 1 } });
  });

  // [name, patch, message includes, hint includes]
  const errors: [string, unknown, string, string][] = [
    ['a container without a name', containers([{ image: 'x' }]), 'at $.spec.template.spec.containers[0]: the element has no name: list containers merges by name', 'give every element of containers its name'],
    ['an env entry that is not a map', containers([{ name: 'app', env: ['A=1'] }]), 'at $.spec.template.spec.containers[0].env[0]: the element is a string: list env merges maps by name', '{$patch: replace}'],
    ['an unknown $patch directive', { spec: { $patch: 'remove' } }, 'unknown directive $patch: "remove"', 'use $patch: merge, replace or delete'],
    ['$patch: delete at the top', { $patch: 'delete' }, 'would delete the whole object', 'put $patch: delete inside'],
    ['$retainKeys that is not a list', { spec: { $retainKeys: 'type' } }, '$retainKeys must be a list of keys', 'write $retainKeys'],
    ['a bad $deleteFromPrimitiveList', { metadata: { '$deleteFromPrimitiveList/finalizers': 'a' } }, '$deleteFromPrimitiveList/finalizers must be a list', 'list the values'],
    ['a __proto__ key', JSON.parse('{"metadata": {"__proto__": {"polluted": true}}}'), 'the key __proto__ is not allowed', 'no such field'],
  ];
  for (const [name, patch, message, hint] of errors) {
    it(`reports ${name}`, () => {
      const error = renderError(() => strategicMerge(deployment(), patch));
      assert.equal(error.code, 'patch');
      assert.ok(error.message.includes(message), error.message);
      assert.ok(error.hint.includes(hint), error.hint);
    });
  }

  it('never pollutes prototypes', () => {
    renderError(() => strategicMerge({}, JSON.parse('{"__proto__": {"polluted": true}}')));
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });
});
