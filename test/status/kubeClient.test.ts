import { strict as assert } from 'node:assert';
import { isInSync } from '../../src/status/agent/observeLocation.js';
import { kubeConfigFor, readLiveObjects } from '../../src/status/sources/kubeClient.js';
import { startKubeApiServer, type KubeApiServer } from '../support/kubeApiServer.js';
import { tempDir } from '../support/specRepo.js';

/** A CRD using the schema keywords client-node's model classes rename or drop. */
const CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'antennaconfigs.groundstation.esa.example' },
  spec: {
    group: 'groundstation.esa.example',
    names: { kind: 'AntennaConfig', plural: 'antennaconfigs', singular: 'antennaconfig', listKind: 'AntennaConfigList' },
    scope: 'Cluster',
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                properties: {
                  band: { type: 'string', enum: ['s', 'x', 'ka'], default: 'x' },
                  extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
                },
              },
            },
          },
        },
      },
    ],
  },
};

describe('reading live objects: the JSON exactly as the API server serves it', () => {
  let kube: KubeApiServer;

  before(async () => {
    kube = await startKubeApiServer({ objects: [CRD] });
  });
  after(() => kube.close());

  it('keeps a CRD schema\'s enum, default and x-kubernetes-* fields, so a kubectl location with such a CRD is in sync', async () => {
    const kc = kubeConfigFor({ kubeconfig: kube.writeKubeconfig(tempDir('edgeplane-kubeclient-')) });
    const [live] = await readLiveObjects(kc, [{ apiVersion: CRD.apiVersion, kind: CRD.kind, name: CRD.metadata.name }]);
    assert.ok(live && 'object' in live, JSON.stringify(live));
    const schema = (live.object as typeof CRD).spec.versions[0]!.schema.openAPIV3Schema.properties.spec.properties;
    assert.deepEqual(schema.band, { type: 'string', enum: ['s', 'x', 'ka'], default: 'x' });
    assert.equal(schema.extra['x-kubernetes-preserve-unknown-fields'], true);
    assert.equal(typeof (live.object['metadata'] as { creationTimestamp?: unknown }).creationTimestamp, 'string');
    assert.ok(isInSync({ apiVersion: CRD.apiVersion, kind: CRD.kind, name: CRD.metadata.name, manifest: CRD }, live));
  });
});
