import { badRequest } from '../errors/status.js';
import type { KubeObject } from '../resources/types.js';
import { parseFieldSelector } from './field-selector.js';
import { labelsMatch, parseLabelSelector } from './label-selector.js';

/** Fields every resource can be selected by. */
const COMMON_FIELDS: Readonly<Record<string, (object: KubeObject) => string | undefined>> = {
  'metadata.name': (object) => object.metadata.name ?? '',
  'metadata.namespace': (object) => object.metadata.namespace ?? '',
};

/**
 * Turns the labelSelector and fieldSelector of a list or watch into one
 * predicate; a field the resource does not support is a 400, as upstream's
 * "field label not supported".
 */
export function compileSelectors(
  labelSelector: string | undefined,
  fieldSelector: string | undefined,
  fields: Readonly<Record<string, (object: KubeObject) => string | undefined>>,
): { matches: (object: KubeObject) => boolean; filtered: boolean } {
  const labels = labelSelector === undefined ? [] : parseLabelSelector(labelSelector);
  const requirements = fieldSelector === undefined ? [] : parseFieldSelector(fieldSelector);
  const checks = requirements.map((requirement) => {
    const read = fields[requirement.field] ?? COMMON_FIELDS[requirement.field];
    if (read === undefined) throw badRequest(`field label not supported: ${requirement.field}`);
    return (object: KubeObject): boolean => {
      const value = read(object) ?? '';
      return requirement.operator === '=' ? value === requirement.value : value !== requirement.value;
    };
  });
  if (labels.length === 0 && checks.length === 0) return { matches: () => true, filtered: false };
  return {
    matches: (object) => labelsMatch(labels, object.metadata.labels) && checks.every((check) => check(object)),
    filtered: true,
  };
}
