// Reading a node's Service table back from `nft -j list table`: the fixture is what nft 1.0.6 printed
// for renderServiceTable's output (a LoadBalancer Service with ClientIP affinity and two ready
// endpoints, and a UDP Service without endpoints), with the hook chains and handles left out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodePortKey, parseServiceTable, vipKey } from '../../src/cli/nft-service-table.js';

const listed = { nftables: [
  {"map": {"name": "service-ips", "type": ["ipv4_addr", "inet_proto", "inet_service"], "map": "verdict", "elem": [[{"concat": ["192.0.2.1", "tcp", 80]}, {"goto": {"target": "svc-0-default_lb_80_tcp"}}], [{"concat": ["192.0.2.100", "tcp", 80]}, {"goto": {"target": "ext-0-default_lb_80_tcp"}}]]}},
  {"map": {"name": "service-nodeports", "type": ["inet_proto", "inet_service"], "map": "verdict", "elem": [[{"concat": ["tcp", 32765]}, {"goto": {"target": "ext-0-default_lb_80_tcp"}}]]}},
  {"set": {"name": "no-endpoint-services", "type": ["ipv4_addr", "inet_proto", "inet_service"], "elem": [{"concat": ["192.0.2.2", "udp", 53]}]}},
  {"set": {"name": "no-endpoint-nodeports", "type": ["inet_proto", "inet_service"]}},
  {"set": {"name": "affinity-0-0", "type": "ipv4_addr", "size": 65535, "flags": ["timeout"], "timeout": 10800}},
  {"set": {"name": "affinity-0-1", "type": "ipv4_addr", "size": 65535, "flags": ["timeout"], "timeout": 10800}},
  {"rule": {"chain": "services", "expr": [{"vmap": {"key": {"concat": [{"payload": {"protocol": "ip", "field": "daddr"}}, {"meta": {"key": "l4proto"}}, {"payload": {"protocol": "th", "field": "dport"}}]}, "data": "@service-ips"}}]}},
  {"rule": {"chain": "services", "expr": [{"match": {"op": "==", "left": {"fib": {"result": "type", "flags": ["daddr"]}}, "right": "local"}}, {"vmap": {"key": {"concat": [{"meta": {"key": "l4proto"}}, {"payload": {"protocol": "th", "field": "dport"}}]}, "data": "@service-nodeports"}}]}},
  {"rule": {"chain": "reject-no-endpoints", "expr": [{"match": {"op": "==", "left": {"concat": [{"payload": {"protocol": "ip", "field": "daddr"}}, {"meta": {"key": "l4proto"}}, {"payload": {"protocol": "th", "field": "dport"}}]}, "right": "@no-endpoint-services"}}, {"reject": {"type": "icmp", "expr": "port-unreachable"}}]}},
  {"rule": {"chain": "reject-no-endpoints", "expr": [{"match": {"op": "==", "left": {"fib": {"result": "type", "flags": ["daddr"]}}, "right": "local"}}, {"match": {"op": "==", "left": {"concat": [{"meta": {"key": "l4proto"}}, {"payload": {"protocol": "th", "field": "dport"}}]}, "right": "@no-endpoint-nodeports"}}, {"reject": {"type": "icmp", "expr": "port-unreachable"}}]}},
  {"rule": {"chain": "ext-0-default_lb_80_tcp", "expr": [{"mangle": {"key": {"meta": {"key": "mark"}}, "value": {"|": [{"meta": {"key": "mark"}}, 16384]}}}]}},
  {"rule": {"chain": "ext-0-default_lb_80_tcp", "expr": [{"goto": {"target": "svc-0-default_lb_80_tcp"}}]}},
  {"rule": {"chain": "svc-0-default_lb_80_tcp", "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "saddr"}}, "right": "@affinity-0-0"}}, {"goto": {"target": "ep-0-0"}}]}},
  {"rule": {"chain": "svc-0-default_lb_80_tcp", "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "saddr"}}, "right": "@affinity-0-1"}}, {"goto": {"target": "ep-0-1"}}]}},
  {"rule": {"chain": "svc-0-default_lb_80_tcp", "expr": [{"vmap": {"key": {"numgen": {"mode": "random", "mod": 2, "offset": 0}}, "data": {"set": [[0, {"goto": {"target": "ep-0-0"}}], [1, {"goto": {"target": "ep-0-1"}}]]}}}]}},
  {"rule": {"chain": "ep-0-0", "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "saddr"}}, "right": "198.51.100.2"}}, {"mangle": {"key": {"meta": {"key": "mark"}}, "value": {"|": [{"meta": {"key": "mark"}}, 16384]}}}]}},
  {"rule": {"chain": "ep-0-0", "expr": [{"set": {"op": "update", "elem": {"payload": {"protocol": "ip", "field": "saddr"}}, "set": "@affinity-0-0"}}]}},
  {"rule": {"chain": "ep-0-0", "expr": [{"match": {"op": "==", "left": {"meta": {"key": "l4proto"}}, "right": "tcp"}}, {"dnat": {"addr": "198.51.100.2", "port": 8080}}]}},
  {"rule": {"chain": "ep-0-1", "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "saddr"}}, "right": "198.51.100.3"}}, {"mangle": {"key": {"meta": {"key": "mark"}}, "value": {"|": [{"meta": {"key": "mark"}}, 16384]}}}]}},
  {"rule": {"chain": "ep-0-1", "expr": [{"set": {"op": "update", "elem": {"payload": {"protocol": "ip", "field": "saddr"}}, "set": "@affinity-0-1"}}]}},
  {"rule": {"chain": "ep-0-1", "expr": [{"match": {"op": "==", "left": {"meta": {"key": "l4proto"}}, "right": "tcp"}}, {"dnat": {"addr": "198.51.100.3", "port": 8080}}]}},
] };

test('ClusterIP, load-balancer IP and nodePort lead through the chains to the DNAT targets; no-endpoint sets reject', () => {
  const view = parseServiceTable(listed);
  const endpoints = ['198.51.100.2:8080', '198.51.100.3:8080'];
  assert.deepEqual(view.vips, { [vipKey('192.0.2.1', 'TCP', 80)]: endpoints, [vipKey('192.0.2.100', 'tcp', 80)]: endpoints });
  assert.deepEqual(view.nodePorts, { [nodePortKey('TCP', 32765)]: endpoints });
  assert.deepEqual(view.rejectedVips, [vipKey('192.0.2.2', 'UDP', 53)]);
  assert.deepEqual(view.rejectedNodePorts, []);
});

test('an empty or foreign listing reads as no rules, and chain loops end', () => {
  assert.deepEqual(parseServiceTable({}), { vips: {}, nodePorts: {}, rejectedVips: [], rejectedNodePorts: [] });
  const loop = { nftables: [
    { map: { name: 'service-ips', elem: [[{ concat: ['192.0.2.1', 'tcp', 80] }, { goto: { target: 'a' } }]] } },
    { rule: { chain: 'a', expr: [{ jump: { target: 'b' } }] } },
    { rule: { chain: 'b', expr: [{ goto: { target: 'a' } }] } },
    { rule: { chain: 'b', expr: [{ dnat: { addr: '198.51.100.9', port: 81 } }] } },
  ] };
  assert.deepEqual(parseServiceTable(loop).vips, { '192.0.2.1 tcp 80': ['198.51.100.9:81'] });
});
