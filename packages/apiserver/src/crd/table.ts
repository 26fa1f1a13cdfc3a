import type { KubeObject, TableColumn, TableConvertor } from '../resources/types.js';
import { humanDuration } from '../table/human-duration.js';
import { columns as standardColumns } from '../table/table.js';
import { parseJsonPath, printResult, type JsonPath } from './jsonpath.js';
import type { PrinterColumn } from './types.js';

/** What a CRD version prints without additionalPrinterColumns: upstream's default Age column (after Name). */
const DEFAULT_COLUMNS: readonly PrinterColumn[] = [
  { name: 'Age', type: 'date', description: standardColumns.age.description, jsonPath: '.metadata.creationTimestamp' },
];

const COLUMN_TYPES = new Set(['string', 'integer', 'number', 'boolean', 'date']);

/**
 * The Table of a custom resource: Name, then each additionalPrinterColumn
 * evaluated as a JSONPath (upstream's customresource tableconvertor). A column
 * whose path does not parse ends the list, as upstream's convertor does.
 */
export function customResourceTable(printerColumns: readonly PrinterColumn[] | undefined): TableConvertor {
  const declared = printerColumns !== undefined && printerColumns.length > 0 ? printerColumns : DEFAULT_COLUMNS;
  const headers: TableColumn[] = [standardColumns.name];
  const paths: JsonPath[] = [];
  for (const column of declared) {
    let path: JsonPath;
    try {
      path = parseJsonPath(`{${column.jsonPath ?? ''}}`);
    } catch {
      break;
    }
    paths.push(path);
    const type = COLUMN_TYPES.has(column.type ?? '') ? (column.type as TableColumn['type']) : 'string';
    const header: { -readonly [K in keyof TableColumn]: TableColumn[K] } = {
      name: column.name ?? '',
      type,
      description: column.description !== undefined && column.description !== '' ? column.description : `Custom resource definition column (in JSONPath format): ${column.jsonPath ?? ''}`,
      priority: column.priority ?? 0,
    };
    if (column.format !== undefined) header.format = column.format;
    headers.push(header);
  }
  return {
    columns: headers,
    cells(object: KubeObject, now: Date): unknown[] {
      const cells: unknown[] = [object.metadata.name ?? ''];
      paths.forEach((path, index) => {
        const results = path.find(object);
        if (results.length === 0) {
          cells.push(null);
          return;
        }
        cells.push(cellFor(headers[index + 1]!.type, results[0], now));
      });
      return cells;
    },
  };
}

/** One cell, typed as the column says (upstream's cellForJSONValue); values of another type print as null. */
function cellFor(type: TableColumn['type'], value: unknown, now: Date): unknown {
  if (type === 'string') return printResult(value);
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'integer':
      return typeof value === 'number' ? Math.trunc(value) : null;
    case 'number':
      return typeof value === 'number' ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    case 'date': {
      if (typeof value !== 'string') return null;
      const time = Date.parse(value);
      if (Number.isNaN(time) || !/^\d{4}-\d{2}-\d{2}T/.test(value)) return '<invalid>';
      return humanDuration(now.getTime() - time);
    }
  }
}
