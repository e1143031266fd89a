// The ports a pod publishes on its node: the kubelet puts the ports of spec.containers into the
// sandbox config, and the runtime hands those with a hostPort to the network (CNI portmap).
import type { PortMapping } from './runtime/runtime.js';

export function hostPortMappings(spec: any): PortMapping[] {
  const out: PortMapping[] = [];
  for (const c of spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (!(p.hostPort > 0)) continue;
      out.push({ protocol: p.protocol ?? 'TCP', containerPort: p.containerPort, hostPort: p.hostPort, ...(p.hostIP ? { hostIP: p.hostIP } : {}) });
    }
  }
  return out;
}
