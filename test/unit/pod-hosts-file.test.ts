// The kubelet-managed /etc/hosts of a pod and its host name (isolated runtime), as upstream writes them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostNetworkHostsFile, managedHostsFile } from '../../src/node/runtime/isolated-hosts-file.js';
import { kernelHostname, podHostDomain, podHostname } from '../../src/node/runtime/pod-hostname.js';

const localhost = '# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n'
  + 'fe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n';

test('managed hosts file: localhost entries, then the pod IP with its host name', () => {
  assert.equal(managedHostsFile({ podIps: ['10.1.0.5'], hostname: 'web-0', domain: '' }), `${localhost}10.1.0.5\tweb-0\n`);
});

test('with a subdomain the FQDN comes first; hostAliases follow under their comment, one line per IP', () => {
  const text = managedHostsFile({
    podIps: ['10.1.0.5'], hostname: 'web-0', domain: 'web.default.svc.cluster.local',
    hostAliases: [{ ip: '127.0.0.1', hostnames: ['foo.local', 'bar.local'] }, { ip: '10.1.2.3', hostnames: ['foo.remote'] }],
  });
  assert.equal(text, `${localhost}10.1.0.5\tweb-0.web.default.svc.cluster.local\tweb-0\n`
    + '\n# Entries added by HostAliases.\n127.0.0.1\tfoo.local\tbar.local\n10.1.2.3\tfoo.remote\n');
});

test('hostNetwork pods: the node file under its own header, plus hostAliases', () => {
  const node = '127.0.0.1\tlocalhost\n192.168.1.10\tvm\n';
  assert.equal(hostNetworkHostsFile(undefined, node), `# Kubernetes-managed hosts file (host network).\n${node}`);
  assert.equal(hostNetworkHostsFile([{ ip: '10.9.9.9', hostnames: ['db'] }], node),
    `# Kubernetes-managed hosts file (host network).\n${node}\n# Entries added by HostAliases.\n10.9.9.9\tdb\n`);
});

test('host name: spec.hostname or the name, cut to 63 characters without a trailing - or .', () => {
  assert.equal(podHostname({ hostname: 'short' }), 'short');
  const long = `${'a'.repeat(61)}-.bbb`;
  assert.equal(podHostname({ hostname: long }), 'a'.repeat(61));
  assert.equal(podHostname({ hostname: 'x'.repeat(70) }), 'x'.repeat(63));
  assert.equal(podHostDomain({ subdomain: 'web', namespace: 'ns1' }, 'cluster.local'), 'web.ns1.svc.cluster.local');
  assert.equal(podHostDomain({ namespace: 'ns1' }, 'cluster.local'), '');
});

test('setHostnameAsFQDN: the kernel host name is the FQDN, at most 64 characters', () => {
  assert.equal(kernelHostname('web-0', 'web.default.svc.cluster.local', true), 'web-0.web.default.svc.cluster.local');
  assert.equal(kernelHostname('web-0', 'web.default.svc.cluster.local', false), 'web-0');
  assert.equal(kernelHostname('web-0', '', true), 'web-0');
  const host = 'h'.repeat(40);
  assert.throws(() => kernelHostname(host, 'web.default.svc.cluster.local', true),
    { message: `failed to construct FQDN from pod hostname and cluster domain, FQDN ${host}.web.default.svc.cluster.local is too long (64 characters is the max, 70 characters requested)` });
});
