import { refName, type Schema, type SchemaRegistry } from './types.js';

/**
 * The server's schema registry: the built-in definitions, fixed at start,
 * plus definitions that come and go at run time (custom resources, one per
 * served CRD version). Everything that reads schemas by name (OpenAPI
 * documents, patches, validation) sees both through this one registry.
 * Built-in names win: a CRD cannot shadow a built-in type.
 */
export class CompositeSchemaRegistry implements SchemaRegistry {
  private readonly dynamic = new Map<string, Schema>();
  private readonly listeners = new Set<() => void>();
  private generation = 0;

  constructor(private readonly builtin: SchemaRegistry) {}

  get(name: string): Schema | undefined {
    return this.builtin.get(name) ?? this.dynamic.get(name);
  }

  *names(): Iterable<string> {
    const seen = new Set<string>();
    for (const name of this.builtin.names()) {
      seen.add(name);
      yield name;
    }
    for (const name of this.dynamic.keys()) if (!seen.has(name)) yield name;
  }

  resolve(schema: Schema): Schema {
    let current = schema;
    for (let depth = 0; current.$ref !== undefined && depth < 32; depth++) {
      const target = this.get(refName(current.$ref));
      if (target === undefined) return current;
      // Keep a description written beside the $ref: it is about this use of the type.
      current = current.description !== undefined && target.description === undefined ? { ...target, description: current.description } : target;
    }
    return current;
  }

  /** Adds or replaces run-time definitions, then tells listeners once. */
  set(definitions: Readonly<Record<string, Schema>>): void {
    for (const [name, schema] of Object.entries(definitions)) this.dynamic.set(name, schema);
    this.changed();
  }

  delete(names: Iterable<string>): void {
    let removed = false;
    for (const name of names) removed = this.dynamic.delete(name) || removed;
    if (removed) this.changed();
  }

  /** Bumped on every run-time change, for caches of documents built from the registry. */
  get version(): number {
    return this.generation;
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    this.generation++;
    for (const listener of this.listeners) listener();
  }
}
