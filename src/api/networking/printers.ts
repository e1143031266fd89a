// Table columns and cells for networking.k8s.io/v1 kinds, as upstream's server-side printers render them.
import type { TablePrinter } from '../resource-type.js';
import { NONE, ageColumn, loadBalancerAddresses, nameColumn, since } from '../printing.js';

/** Up to three rule hosts; "+ N more..." counts every further rule, host or not; "*" when no rule names a host. */
function ingressHosts(rules: { host?: string }[] | undefined): string {
  const list = rules ?? [];
  const max = 3;
  const hosts: string[] = [];
  let more = false;
  for (const rule of list) {
    if (hosts.length === max) more = true;
    if (!more && rule.host) hosts.push(rule.host);
  }
  if (!hosts.length) return '*';
  return more ? `${hosts.join(',')} + ${list.length - max} more...` : hosts.join(',');
}

const ingress: TablePrinter = {
  columns: [
    nameColumn,
    { name: 'Class', type: 'string', description: 'The IngressClass that handles this ingress.' },
    { name: 'Hosts', type: 'string', description: 'Hosts the rules match.' },
    { name: 'Address', type: 'string', description: 'Addresses of the load balancer serving the ingress.' },
    { name: 'Ports', type: 'string', description: 'Ports the ingress listens on (443 with TLS).' },
    ageColumn,
  ],
  cells(obj, now) {
    return [
      obj.metadata.name, obj.spec?.ingressClassName ?? NONE, ingressHosts(obj.spec?.rules),
      loadBalancerAddresses(obj.status?.loadBalancer?.ingress), obj.spec?.tls?.length ? '80, 443' : '80',
      since(obj.metadata.creationTimestamp, now),
    ];
  },
};

const ingressClass: TablePrinter = {
  columns: [
    nameColumn,
    { name: 'Controller', type: 'string', description: 'The controller that implements this class.' },
    { name: 'Parameters', type: 'string', description: 'The resource holding the class parameters.' },
    ageColumn,
  ],
  cells(obj, now) {
    const p = obj.spec?.parameters;
    const parameters = p ? `${p.kind}${p.apiGroup != null ? `.${p.apiGroup}` : ''}/${p.name}` : NONE;
    return [obj.metadata.name, obj.spec?.controller ?? '', parameters, since(obj.metadata.creationTimestamp, now)];
  },
};

export const printers: Record<string, TablePrinter> = {
  Ingress: ingress,
  IngressClass: ingressClass,
};
