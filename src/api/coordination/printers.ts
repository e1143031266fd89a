// Table columns and cells for coordination.k8s.io/v1 Lease, as upstream's server-side printer renders it.
import type { TablePrinter } from '../resource-type.js';
import { ageColumn, nameColumn, since } from '../printing.js';

const lease: TablePrinter = {
  columns: [nameColumn, { name: 'Holder', type: 'string', description: 'Identity of the current holder.' }, ageColumn],
  cells(obj, now) {
    return [obj.metadata.name, obj.spec?.holderIdentity ?? '', since(obj.metadata.creationTimestamp, now)];
  },
};

export const printers: Record<string, TablePrinter> = {
  Lease: lease,
};
