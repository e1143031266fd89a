// The scheduler's NodePorts filter: host ports by protocol and host IP (0.0.0.0 takes every IP),
// the ports a pod counts with, and the FailedScheduling message upstream writes for them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/api/object.js';
import { filterNode, unschedulableMessage } from '../../src/scheduler/fit.js';
import { NodeUsageIndex } from '../../src/scheduler/node-usage.js';
import { hostPortsConflict, hostPortsOf, nodePortsReason } from '../../src/scheduler/node-ports.js';

const node = (name: string): KubeObject => ({
  apiVersion: 'v1', kind: 'Node', metadata: { name },
  status: { allocatable: { cpu: '4', memory: '8Gi', pods: '110' }, conditions: [{ type: 'Ready', status: 'True' }] },
});

let uid = 0;
function pod(ports: Record<string, unknown>[], spec: Record<string, unknown> = {}, status: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: `p${++uid}`, namespace: 'default', uid: `u${uid}` },
    spec: { containers: [{ name: 'c', image: 'x', ports }], ...spec }, status,
  };
}

/** The failures of `candidate` on each node carrying `running` (bound there). */
function place(candidate: KubeObject, running: KubeObject[], nodes = [node('a')]): string[][] {
  const usage = new NodeUsageIndex();
  for (const n of nodes) for (const p of running) usage.set(`${n.metadata.name}/${p.metadata.name}`, p, n.metadata.name);
  return nodes.map((n) => filterNode(candidate, n, usage.usage(n.metadata.name!), new Map()));
}

test('the same hostPort and protocol on a node does not fit; upstream message for two nodes', () => {
  const running = pod([{ containerPort: 80, hostPort: 31080 }]);
  const failures = place(pod([{ containerPort: 8080, hostPort: 31080, protocol: 'TCP' }]), [running], [node('a'), node('b')]);
  assert.deepEqual(failures, [[nodePortsReason], [nodePortsReason]]);
  assert.equal(unschedulableMessage(2, failures), "0/2 nodes are available: 2 node(s) didn't have free ports for the requested pod ports.");
  // Another port, or the same port for UDP, fits.
  assert.deepEqual(place(pod([{ containerPort: 80, hostPort: 31081 }]), [running]), [[]]);
  assert.deepEqual(place(pod([{ containerPort: 80, hostPort: 31080, protocol: 'UDP' }]), [running]), [[]]);
  // Container ports without a hostPort take nothing.
  assert.deepEqual(place(pod([{ containerPort: 80 }]), [pod([{ containerPort: 80 }])]), [[]]);
});

test('0.0.0.0 (or no hostIP) conflicts with every IP; two different IPs do not', () => {
  const on = (hostIP?: string) => pod([{ containerPort: 80, hostPort: 32000, ...(hostIP ? { hostIP } : {}) }]);
  assert.deepEqual(place(on('10.0.0.1'), [on()]), [[nodePortsReason]]);
  assert.deepEqual(place(on(), [on('10.0.0.1')]), [[nodePortsReason]]);
  assert.deepEqual(place(on('0.0.0.0'), [on('10.0.0.2')]), [[nodePortsReason]]);
  assert.deepEqual(place(on('10.0.0.1'), [on('10.0.0.1')]), [[nodePortsReason]]);
  assert.deepEqual(place(on('10.0.0.1'), [on('10.0.0.2')]), [[]]);
});

test('finished pods hold no ports; sidecars do, plain init containers do not', () => {
  const port = { containerPort: 80, hostPort: 30500 };
  assert.deepEqual(place(pod([port]), [pod([port], {}, { phase: 'Succeeded' })]), [[]]);
  assert.deepEqual(place(pod([port]), [pod([port], {}, { phase: 'Failed' })]), [[]]);
  assert.deepEqual(place(pod([port]), [pod([port], {}, { phase: 'Running' })]), [[nodePortsReason]]);
  const withInit = (restartPolicy?: string) => pod([], { initContainers: [{ name: 'i', image: 'x', ...(restartPolicy ? { restartPolicy } : {}), ports: [port] }] });
  assert.deepEqual(place(pod([port]), [withInit('Always')]), [[nodePortsReason]]);
  assert.deepEqual(place(withInit('Always'), [pod([port])]), [[nodePortsReason]]);
  assert.deepEqual(place(pod([port]), [withInit()]), [[]]);
});

test('hostNetwork pods: their containerPorts (defaulted into hostPort by the API) are host ports', () => {
  const hostNet = pod([{ containerPort: 9100, hostPort: 9100 }], { hostNetwork: true });
  assert.deepEqual(hostPortsOf(hostNet.spec), ['TCP/0.0.0.0/9100']);
  assert.deepEqual(place(pod([{ containerPort: 80, hostPort: 9100 }]), [hostNet]), [[nodePortsReason]]);
});

test('a node whose usage drops the conflicting pod fits again', () => {
  const usage = new NodeUsageIndex();
  const running = pod([{ containerPort: 80, hostPort: 31999 }]);
  usage.set('default/r', running, 'a');
  const want = hostPortsOf(pod([{ containerPort: 80, hostPort: 31999 }]).spec);
  assert.equal(hostPortsConflict(want, usage.usage('a').ports), true);
  usage.remove('default/r');
  assert.equal(hostPortsConflict(want, usage.usage('a').ports), false);
});
