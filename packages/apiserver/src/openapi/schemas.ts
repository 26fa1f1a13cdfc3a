import type { Schema, SchemaRegistry } from '../schema/types.js';
import { refName } from '../schema/types.js';

/** Every definition a set of definitions refers to, transitively, themselves included, sorted. */
export function closure(registry: SchemaRegistry, roots: Iterable<string>): string[] {
  const seen = new Set<string>();
  const visit = (schema: Schema | undefined): void => {
    if (schema === undefined || typeof schema !== 'object') return;
    if (schema.$ref !== undefined) {
      const name = refName(schema.$ref);
      if (!seen.has(name)) {
        seen.add(name);
        visit(registry.get(name));
      }
    }
    for (const property of Object.values(schema.properties ?? {})) visit(property);
    if (schema.items !== undefined) visit(schema.items);
    if (typeof schema.additionalProperties === 'object') visit(schema.additionalProperties);
    for (const list of [schema.allOf, schema.anyOf, schema.oneOf]) for (const item of list ?? []) visit(item);
  };
  for (const root of roots) {
    if (seen.has(root)) continue;
    seen.add(root);
    visit(registry.get(root));
  }
  return [...seen].filter((name) => registry.get(name) !== undefined).sort();
}

/**
 * A schema in OpenAPI v3 form: references point into components.schemas, and
 * a reference with siblings (a description, a default) is wrapped in allOf,
 * as upstream's v3 documents do.
 */
export function toV3(schema: Schema): Record<string, unknown> {
  const converted: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (value === undefined) continue;
    switch (key) {
      case '$ref':
        break;
      case 'properties':
        converted[key] = Object.fromEntries(Object.entries(value as Record<string, Schema>).map(([name, property]) => [name, toV3(property)]));
        break;
      case 'items':
      case 'not':
        converted[key] = toV3(value as Schema);
        break;
      case 'additionalProperties':
        converted[key] = typeof value === 'boolean' ? value : toV3(value as Schema);
        break;
      case 'allOf':
      case 'anyOf':
      case 'oneOf':
        converted[key] = (value as Schema[]).map(toV3);
        break;
      default:
        converted[key] = value;
    }
  }
  if (schema.$ref !== undefined) {
    const reference = { $ref: `#/components/schemas/${refName(schema.$ref)}` };
    const siblings = Object.keys(converted).length > 0;
    return siblings ? { allOf: [reference], ...converted } : reference;
  }
  return converted;
}

/** A schema in OpenAPI v2 (Swagger) form: references into definitions, siblings kept beside them. */
export function toV2(schema: Schema): Record<string, unknown> {
  return JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;
}
