// Table columns and cells for discovery.k8s.io/v1 EndpointSlice, as upstream's server-side printer renders it.
import type { TablePrinter } from '../resource-type.js';
import { UNSET, ageColumn, joinWithMore, nameColumn, since } from '../printing.js';

/** A list of at most three entries and "+ N more..."; "<unset>" when empty. */
function shortList(items: string[]): string {
  return joinWithMore(items) || UNSET;
}

const endpointSlice: TablePrinter = {
  columns: [
    nameColumn,
    { name: 'AddressType', type: 'string', description: 'IPv4, IPv6 or FQDN.' },
    { name: 'Ports', type: 'string', description: 'Port numbers (or names) the endpoints serve.' },
    { name: 'Endpoints', type: 'string', description: 'Endpoint addresses, ready or not.' },
    ageColumn,
  ],
  cells(obj, now) {
    const ports = (obj.ports ?? []).map((p: any) => (p.port != null ? String(p.port) : p.name != null ? p.name : '*'));
    const addresses = (obj.endpoints ?? []).flatMap((e: any) => e.addresses ?? []);
    return [obj.metadata.name, obj.addressType ?? '', shortList(ports), shortList(addresses), since(obj.metadata.creationTimestamp, now)];
  },
};

export const printers: Record<string, TablePrinter> = {
  EndpointSlice: endpointSlice,
};
