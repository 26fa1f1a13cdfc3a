/**
 * lk takes a third-party driver as it is: wherever a datastore endpoint
 * string is accepted (`openBackend('postgres://…')`), a `Backend` object is
 * accepted too, and is handed back untouched rather than wrapped.
 */
import { describe, expect, it } from 'vitest';
import { openBackend, type Backend } from '@lk/datastore-kine';
import { InMemoryBackend } from '../src/in-memory-backend.js';

describe('openBackend with a third-party Backend object', () => {
  it('returns the very object it was given, ready to use', async () => {
    const mine = new InMemoryBackend();
    const backend: Backend = await openBackend(mine);
    try {
      expect(backend).toBe(mine);
      const { revision } = await backend.create('/registry/example/a', new TextEncoder().encode('hello'));
      const got = await backend.get('/registry/example/a');
      expect(new TextDecoder().decode(got.kv!.value)).toBe('hello');
      expect(got.kv!.modRevision).toBe(revision);
    } finally {
      await backend.close();
    }
  });
});
