// Upstream's NodePorts filter: a pod does not fit a node where a pod that is not terminated already
// uses one of its host ports, for the same protocol and host IP; 0.0.0.0 (or no hostIP) takes the
// port on every address, so it conflicts with any IP. The ports are those of spec.containers and of
// sidecars (init containers with restartPolicy Always), which run as long as the pod does; a
// hostNetwork pod's containerPorts are host ports too (the API defaults its hostPort to them).
export const nodePortsReason = "node(s) didn't have free ports for the requested pod ports";

const anyIp = '0.0.0.0';

/** Each used host port as `protocol/hostIP/port`, defaults filled in as upstream's HostPortInfo. */
export function hostPortsOf(spec: any): string[] {
  const out: string[] = [];
  const sidecars = (spec?.initContainers ?? []).filter((c: any) => c.restartPolicy === 'Always');
  for (const c of [...sidecars, ...(spec?.containers ?? [])]) {
    for (const p of c.ports ?? []) if (p.hostPort > 0) out.push(`${p.protocol || 'TCP'}/${p.hostIP || anyIp}/${p.hostPort}`);
  }
  return out;
}

/** Whether any of `want` (hostPortsOf a pod) clashes with the ports already `used` on a node. */
export function hostPortsConflict(want: string[], used: Map<string, number>): boolean {
  if (want.length === 0 || used.size === 0) return false;
  return want.some((port) => {
    const [protocol, ip, num] = port.split('/');
    if (ip !== anyIp) return used.has(port) || used.has(`${protocol}/${anyIp}/${num}`);
    for (const u of used.keys()) {
      const [p2, , n2] = u.split('/');
      if (p2 === protocol && n2 === num) return true;
    }
    return false;
  });
}
