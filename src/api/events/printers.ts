// Table for events.k8s.io/v1 Event. Upstream serves both Event APIs from one store and prints them
// with the same columns, so this maps the newer field names onto the core/v1 Event row.
import type { TablePrinter } from '../resource-type.js';
import { eventCells, eventColumns } from '../core/printers.js';

const event: TablePrinter = {
  columns: eventColumns,
  cells(obj, now) {
    return eventCells({
      name: obj.metadata.name, type: obj.type, reason: obj.reason, message: obj.note, object: obj.regarding,
      sourceComponent: obj.deprecatedSource?.component, sourceHost: obj.deprecatedSource?.host,
      reportingController: obj.reportingController, reportingInstance: obj.reportingInstance,
      firstTimestamp: obj.deprecatedFirstTimestamp, lastTimestamp: obj.deprecatedLastTimestamp, eventTime: obj.eventTime,
      count: obj.deprecatedCount, series: obj.series,
    }, now);
  },
};

export const printers: Record<string, TablePrinter> = {
  Event: event,
};
