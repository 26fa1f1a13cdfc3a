/**
 * The schema of API types: OpenAPI v3 structural schemas with Kubernetes'
 * extensions. Built-in types come from the generated registry (see
 * scripts/generate-schemas.ts and ./tables), CRDs bring their own. Everything
 * that needs to know the shape of an object — validation, defaulting,
 * pruning, strategic merge patch, server-side apply, OpenAPI documents,
 * `kubectl explain` — reads it through this one model.
 */
import type { JsonValue } from '../resources/types.js';

export type SchemaType = 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';

export interface GroupVersionKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

export interface ValidationRule {
  readonly rule: string;
  readonly message?: string;
  readonly messageExpression?: string;
  readonly reason?: string;
  readonly fieldPath?: string;
  readonly optionalOldSelf?: boolean;
}

export interface Schema {
  /** A reference to a named definition: `#/definitions/io.k8s.api.core.v1.PodSpec`. */
  readonly $ref?: string;
  readonly type?: SchemaType;
  readonly format?: string;
  readonly description?: string;
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly required?: readonly string[];
  readonly items?: Schema;
  readonly additionalProperties?: Schema | boolean;
  readonly default?: JsonValue;
  readonly enum?: readonly JsonValue[];
  readonly nullable?: boolean;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: boolean;
  readonly exclusiveMaximum?: boolean;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly uniqueItems?: boolean;
  readonly minProperties?: number;
  readonly maxProperties?: number;
  readonly multipleOf?: number;
  readonly allOf?: readonly Schema[];
  readonly anyOf?: readonly Schema[];
  readonly oneOf?: readonly Schema[];
  readonly not?: Schema;

  readonly 'x-kubernetes-int-or-string'?: boolean;
  readonly 'x-kubernetes-preserve-unknown-fields'?: boolean;
  readonly 'x-kubernetes-embedded-resource'?: boolean;
  readonly 'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  readonly 'x-kubernetes-list-map-keys'?: readonly string[];
  readonly 'x-kubernetes-map-type'?: 'atomic' | 'granular';
  /** Strategic merge patch: `merge`, `retainKeys`, `merge,retainKeys` or `replace`. */
  readonly 'x-kubernetes-patch-strategy'?: string;
  readonly 'x-kubernetes-patch-merge-key'?: string;
  readonly 'x-kubernetes-group-version-kind'?: readonly GroupVersionKind[];
  readonly 'x-kubernetes-validations'?: readonly ValidationRule[];
  readonly 'x-kubernetes-unions'?: readonly JsonValue[];
}

/** Named definitions, resolved by name. */
export interface SchemaRegistry {
  /** The definition, or undefined. */
  get(name: string): Schema | undefined;
  /** Every definition name. */
  names(): Iterable<string>;
  /** Follows `$ref` (repeatedly) to the schema it names; other schemas come back as they are. */
  resolve(schema: Schema): Schema;
}

export const DEFINITION_REF_PREFIX = '#/definitions/';

export function refName(ref: string): string {
  return ref.startsWith(DEFINITION_REF_PREFIX) ? ref.slice(DEFINITION_REF_PREFIX.length) : ref.replace(/^#\/components\/schemas\//, '');
}

/** A registry over a plain record of definitions. */
export class MapSchemaRegistry implements SchemaRegistry {
  constructor(private readonly definitions: ReadonlyMap<string, Schema>) {}

  static fromRecord(record: Readonly<Record<string, Schema>>): MapSchemaRegistry {
    return new MapSchemaRegistry(new Map(Object.entries(record)));
  }

  get(name: string): Schema | undefined {
    return this.definitions.get(name);
  }

  names(): Iterable<string> {
    return this.definitions.keys();
  }

  resolve(schema: Schema): Schema {
    let current = schema;
    for (let depth = 0; current.$ref !== undefined && depth < 32; depth++) {
      const target = this.definitions.get(refName(current.$ref));
      if (target === undefined) return current;
      // Keep a description written beside the $ref: it is about this use of the type.
      current = current.description !== undefined && target.description === undefined ? { ...target, description: current.description } : target;
    }
    return current;
  }
}
