import type { TablePrinter } from '../resource-type.js';

export const printers: Record<string, TablePrinter> = {};
