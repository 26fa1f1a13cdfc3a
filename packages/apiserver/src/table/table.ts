import type { KubeObject, TableColumn, TableConvertor } from '../resources/types.js';
import { age } from './human-duration.js';

/**
 * metav1.Table responses (what `kubectl get` prints): column definitions and
 * one row of cells per object, with the object itself as metadata only by
 * default (`includeObject=Metadata`), in full (`Object`) or not at all (`None`).
 */
export interface TableRequest {
  readonly includeObject: 'None' | 'Metadata' | 'Object';
  readonly listMeta?: { resourceVersion: string; continue?: string; remainingItemCount?: number };
  readonly omitColumns?: boolean;
  readonly now: Date;
}

const NAME_COLUMN: TableColumn = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description: 'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names',
  priority: 0,
};

const CREATED_COLUMN: TableColumn = {
  name: 'Created At',
  type: 'date',
  description: 'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata',
  priority: 0,
};

/** The table of a kind without its own columns: upstream's default (Name, Created At). */
export const defaultTableConvertor: TableConvertor = {
  columns: [NAME_COLUMN, CREATED_COLUMN],
  cells: (object) => [object.metadata.name ?? '', object.metadata.creationTimestamp ?? null],
};

/** Helpers for per-kind convertors. */
export const columns = {
  name: NAME_COLUMN,
  age: { name: 'Age', type: 'string', description: CREATED_COLUMN.description, priority: 0 } satisfies TableColumn,
};

export function ageCell(object: KubeObject, now: Date): string {
  return age(object.metadata.creationTimestamp, now);
}

export function buildTable(convertor: TableConvertor, objects: readonly KubeObject[], request: TableRequest): object {
  const rows = objects.map((object) => {
    const row: Record<string, unknown> = { cells: convertor.cells(object, request.now) };
    if (request.includeObject === 'Object') row['object'] = object;
    else if (request.includeObject === 'Metadata') {
      row['object'] = { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: object.metadata };
    }
    return row;
  });
  const table: Record<string, unknown> = {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: request.listMeta ?? {},
  };
  if (request.omitColumns !== true) {
    table['columnDefinitions'] = convertor.columns.map((column) => ({
      name: column.name,
      type: column.type,
      format: column.format ?? '',
      description: column.description ?? '',
      priority: column.priority ?? 0,
    }));
  }
  table['rows'] = rows;
  return table;
}
