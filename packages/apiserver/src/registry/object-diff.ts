/** Structural equality of JSON values (key order does not matter). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const leftKeys = Object.keys(left).filter((key) => left[key] !== undefined);
  const rightKeys = Object.keys(right).filter((key) => right[key] !== undefined);
  if (leftKeys.length !== rightKeys.length) return false;
  for (const key of leftKeys) if (!deepEqual(left[key], right[key])) return false;
  return true;
}

/**
 * A shallow view of an object without some top-level (or `metadata.x`)
 * fields, for comparing "everything but": spec changes, no-op updates.
 */
export function withoutFields(object: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...object };
  for (const field of fields) {
    const [head, tail] = field.split('.', 2) as [string, string | undefined];
    if (tail === undefined) {
      delete copy[head];
    } else if (typeof copy[head] === 'object' && copy[head] !== null) {
      const inner = { ...(copy[head] as Record<string, unknown>) };
      delete inner[tail];
      copy[head] = inner;
    }
  }
  return copy;
}
