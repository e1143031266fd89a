// What the EndpointSlice mirroring controller makes of a hand-written Endpoints object.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mirroredSlices } from '../../src/controllers/endpointslice-mirroring-controller.js';

test('one slice per subset: ready then not-ready addresses, IPv4 only, ports with their protocol', () => {
  const slices = mirroredSlices({
    apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'db' },
    subsets: [
      {
        addresses: [{ ip: '10.0.0.1', hostname: 'db-0', nodeName: 'n1' }, { ip: 'fd00::1' }],
        notReadyAddresses: [{ ip: '10.0.0.2', targetRef: { kind: 'Pod', name: 'p', namespace: 'default' } }],
        ports: [{ name: 'sql', port: 5432 }],
      },
      { addresses: [{ ip: '10.0.0.3' }] },
    ],
  });
  assert.deepEqual(slices, [
    {
      ports: [{ name: 'sql', port: 5432, protocol: 'TCP' }],
      endpoints: [
        { addresses: ['10.0.0.1'], conditions: { ready: true }, hostname: 'db-0', nodeName: 'n1' },
        { addresses: ['10.0.0.2'], conditions: { ready: false }, targetRef: { kind: 'Pod', name: 'p', namespace: 'default' } },
      ],
    },
    { ports: null, endpoints: [{ addresses: ['10.0.0.3'], conditions: { ready: true } }] },
  ]);
  assert.deepEqual(mirroredSlices({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'empty' } }), []);
});
