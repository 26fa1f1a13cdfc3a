import generated from './generated/builtin-definitions.json' with { type: 'json' };
import { MapSchemaRegistry, type Schema, type SchemaRegistry } from './types.js';

let registry: SchemaRegistry | undefined;

/**
 * The schemas of the built-in API types, generated at build time from
 * @kubernetes/client-node's models and lk's tables (scripts/generate-schemas.ts).
 */
export function builtinSchemas(): SchemaRegistry {
  registry ??= MapSchemaRegistry.fromRecord((generated as { definitions: Record<string, Schema> }).definitions);
  return registry;
}
