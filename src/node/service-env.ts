// Service environment variables for a pod, as the kubelet makes them: for each Service of the
// pod's namespace with a cluster IP (plus the `kubernetes` Service for every pod),
// {NAME}_SERVICE_HOST/_PORT/_PORT_{PORTNAME} and the Docker-link style {NAME}_PORT_* variables.
import type { KubeObject } from '../api/object.js';

function envName(name: string): string {
  return name.toUpperCase().replace(/-/g, '_');
}

function hasClusterIP(svc: KubeObject): boolean {
  const ip = svc.spec?.clusterIP;
  return !!ip && ip !== 'None' && svc.spec?.type !== 'ExternalName';
}

export function serviceEnvVars(services: KubeObject[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const svc of services) {
    if (!hasClusterIP(svc)) continue;
    const name = envName(svc.metadata.name!);
    const ip: string = svc.spec.clusterIP;
    const ports: any[] = svc.spec.ports ?? [];
    if (ports.length === 0) continue;
    env[`${name}_SERVICE_HOST`] = ip;
    env[`${name}_SERVICE_PORT`] = String(ports[0].port);
    for (const p of ports) if (p.name) env[`${name}_SERVICE_PORT_${envName(p.name)}`] = String(p.port);
    const first = ports[0];
    env[`${name}_PORT`] = `${(first.protocol ?? 'TCP').toLowerCase()}://${ip}:${first.port}`;
    for (const p of ports) {
      const proto = (p.protocol ?? 'TCP') as string;
      const prefix = `${name}_PORT_${p.port}_${proto.toUpperCase()}`;
      env[prefix] = `${proto.toLowerCase()}://${ip}:${p.port}`;
      env[`${prefix}_PROTO`] = proto.toLowerCase();
      env[`${prefix}_PORT`] = String(p.port);
      env[`${prefix}_ADDR`] = ip;
    }
  }
  return env;
}

/** The Services whose variables a pod sees: its namespace's, and default/kubernetes for everyone. */
export function servicesForPod(pod: KubeObject, all: KubeObject[]): KubeObject[] {
  const ns = pod.metadata.namespace;
  const own = all.filter((s) => s.metadata.namespace === ns);
  const master = all.find((s) => s.metadata.namespace === 'default' && s.metadata.name === 'kubernetes');
  // Sorted by name, so the result does not depend on cache order.
  const list = master && ns !== 'default' ? [...own, master] : own;
  return list.sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));
}
