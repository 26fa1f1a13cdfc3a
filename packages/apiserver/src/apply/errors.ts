/**
 * Input the structured merge cannot interpret: a list-map item with none of
 * its key fields, duplicate items in the configuration being merged, set
 * items that are not scalars, or malformed FieldsV1. Messages lead with the
 * path, the way upstream's ValidationError does.
 */
import { formatPath, type FieldPath } from './path.js';

export class ApplyError extends Error {
  override readonly name = 'ApplyError';
}

export function applyError(path: FieldPath, message: string): ApplyError {
  const where = formatPath(path);
  return new ApplyError(where === '' ? message : `${where}: ${message}`);
}
