// Server-side Table output for `kubectl get` (meta.k8s.io/v1 Table).
import type { KubeObject } from '../api/object.js';
import type { PrinterColumn, ResourceType } from '../api/resource-type.js';

/** True when the Accept header asks for a Table (kubectl get without -o yaml/json). */
export function wantsTable(accept: string | undefined): boolean {
  return !!accept && accept.split(',').some((p) => p.includes('as=Table') && p.includes('g=meta.k8s.io'));
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

const defaultColumns: PrinterColumn[] = [
  { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.' },
  { name: 'Created At', type: 'date', description: 'CreationTimestamp is a timestamp representing the server time when this object was created.' },
];

function columnsOf(rt: ResourceType): PrinterColumn[] {
  return rt.printer?.columns ?? defaultColumns;
}

function cellsOf(rt: ResourceType, obj: KubeObject, now: Date): unknown[] {
  if (rt.printer) return rt.printer.cells(obj, now);
  return [obj.metadata.name, obj.metadata.creationTimestamp ?? ''];
}

function rowObject(obj: KubeObject, include: IncludeObject): unknown {
  if (include === 'None') return undefined;
  if (include === 'Object') return obj;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
}

export function toTable(
  rt: ResourceType, objects: KubeObject[], listMeta: { resourceVersion?: string; continue?: string }, include: IncludeObject, withColumns = true,
) {
  const now = new Date();
  const table: Record<string, unknown> = { kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: listMeta };
  if (withColumns) {
    table.columnDefinitions = columnsOf(rt).map((c) => ({
      name: c.name, type: c.type, format: c.format ?? '', description: c.description, priority: c.priority ?? 0,
    }));
  } else table.columnDefinitions = [];
  table.rows = objects.map((o) => {
    const row: Record<string, unknown> = { cells: cellsOf(rt, o, now) };
    const ro = rowObject(o, include);
    if (ro !== undefined) row.object = ro;
    return row;
  });
  return table;
}
