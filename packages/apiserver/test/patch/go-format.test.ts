import { describe, expect, it } from 'vitest';
import { goFloat, goJsonMarshal, goQuote, goQuoteByte, goStringVerb, goTypeName, goValue } from '../../src/patch/go-format.js';
import { goStableSort } from '../../src/patch/go-stable-sort.js';

describe('Go formatting of decoded JSON', () => {
  it('prints maps as fmt %v does: sorted keys, nested maps and slices', () => {
    expect(goValue({ name: 'web', ports: [{ containerPort: 80 }], image: 'nginx', enabled: true, missing: null })).toBe(
      'map[enabled:true image:nginx missing:<nil> name:web ports:[map[containerPort:80]]]',
    );
    expect(goValue([])).toBe('[]');
    expect(goValue({})).toBe('map[]');
  });

  it.each([
    [0.5, '0.5'],
    [123456.5, '123456.5'],
    [1234567.5, '1.2345675e+06'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [-2.5e-7, '-2.5e-07'],
  ])('prints the float %d as %s', (value, text) => {
    expect(goFloat(value)).toBe(text);
  });

  it('prints integral numbers as int64', () => {
    expect(goValue(1_000_000)).toBe('1000000');
    expect(goTypeName(3)).toBe('int64');
    expect(goTypeName(3.5)).toBe('float64');
  });

  it('names reflect types as upstream messages do', () => {
    expect(goTypeName({})).toBe('map[string]interface {}');
    expect(goTypeName([])).toBe('[]interface {}');
    expect(goTypeName('x')).toBe('string');
    expect(goTypeName(true)).toBe('bool');
    expect(goTypeName(null)).toBe('%!s(<nil>)');
  });

  it('prints %s of non-strings in fmt’s bad-verb form', () => {
    expect(goStringVerb('merge')).toBe('merge');
    expect(goStringVerb(5)).toBe('%!s(int64=5)');
    expect(goStringVerb(null)).toBe('%!s(<nil>)');
  });

  it('quotes like strconv.Quote', () => {
    expect(goQuote('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(goQuote('tab\there\u0001\u007f')).toBe('"tab\\there\\x01\\x7f"');
    expect(goQuote('héllo ✓')).toBe('"héllo ✓"');
    expect(goQuote('\u00a0')).toBe('"\\u00a0"');
    expect(goQuoteByte(0x27)).toBe("'\\''");
    expect(goQuoteByte(0x22)).toBe(`'"'`);
  });

  it('marshals as encoding/json: sorted keys, HTML characters escaped', () => {
    expect(goJsonMarshal({ b: '<a&b>', a: [1, 0.5, null, 'x\u2028'] })).toBe('{"a":[1,0.5,null,"x\\u2028"],"b":"\\u003ca\\u0026b\\u003e"}');
  });
});

describe('goStableSort', () => {
  it('sorts stably under a consistent comparison', () => {
    const items = Array.from({ length: 57 }, (_, index) => ({ key: index % 5, index }));
    goStableSort(items, (left, right) => left.key < right.key);
    const expected = [...items].sort((left, right) => left.key - right.key || left.index - right.index);
    expect(items).toEqual(expected);
  });

  it('resolves an always-"less" comparison the way Go’s insertion sort does: reversed', () => {
    const items = ['a', 'b', 'c', 'd'];
    goStableSort(items, () => true);
    expect(items).toEqual(['d', 'c', 'b', 'a']);
  });

  it('merges blocks of 20 with Go’s symmetric merge', () => {
    // Under an always-"less" comparison each block of 20 reverses, then the merges rotate the blocks.
    const items = Array.from({ length: 45 }, (_, index) => index);
    goStableSort(items, () => true);
    expect(items.slice(0, 5)).toEqual([44, 43, 42, 41, 40]);
    expect(new Set(items).size).toBe(45);
  });
});
