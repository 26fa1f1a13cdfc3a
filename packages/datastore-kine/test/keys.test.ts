import { describe, expect, it } from 'vitest';
import { compareKeys, prefixEnd } from '@lk/datastore-kine';

describe('prefixEnd', () => {
  it('bounds exactly the keys that start with the prefix', () => {
    expect(prefixEnd('/registry/pods/')).toBe('/registry/pods0');
    expect(prefixEnd('')).toBeUndefined();
    expect(prefixEnd('a\u{10FFFF}')).toBe('b');
    expect(prefixEnd('\u{D7FF}')).toBe('\u{E000}');
  });
});

describe('compareKeys', () => {
  it('orders by UTF-8 bytes, not UTF-16 code units', () => {
    const keys = ['b', 'a', '\u{FFFD}', '\u{1F600}', 'A', '/', '-', 'ab'];
    const sorted = [...keys].sort(compareKeys);
    const byBytes = [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect(sorted).toEqual(byBytes);
  });
});
