import { describe, expect, it } from 'vitest';
import { JsonSyntaxError, memberPath, parseJson } from '../../src/patch/json-syntax.js';

function syntaxError(text: string): string {
  try {
    parseJson(text);
  } catch (error) {
    expect(error).toBeInstanceOf(JsonSyntaxError);
    return (error as Error).message;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be refused`);
}

describe('parseJson: encoding/json syntax errors, word for word', () => {
  it.each([
    ['', 'unexpected end of JSON input'],
    ['  \n\t', 'unexpected end of JSON input'],
    ['{', 'unexpected end of JSON input'],
    ['{"a":', 'unexpected end of JSON input'],
    ['"abc', 'unexpected end of JSON input'],
    ['-', 'unexpected end of JSON input'],
    ['tru', 'unexpected end of JSON input'],
    ['x', "invalid character 'x' looking for beginning of value"],
    ['[1,]', "invalid character ']' looking for beginning of value"],
    ['{"a" 1}', "invalid character '1' after object key"],
    ['{"a":1 "b":2}', `invalid character '"' after object key:value pair`],
    ['[1 2]', "invalid character '2' after array element"],
    ['{1:2}', "invalid character '1' looking for beginning of object key string"],
    ['{"a":1,}', "invalid character '}' looking for beginning of object key string"],
    ['{} x', "invalid character 'x' after top-level value"],
    ['01', "invalid character '1' after top-level value"],
    ['-x', "invalid character 'x' in numeric literal"],
    ['1.x', "invalid character 'x' after decimal point in numeric literal"],
    ['1ex', "invalid character 'x' in exponent of numeric literal"],
    ['1e+', 'unexpected end of JSON input'],
    ['trux', "invalid character 'x' in literal true (expecting 'e')"],
    ['fals3', "invalid character '3' in literal false (expecting 'e')"],
    ['nul!', "invalid character '!' in literal null (expecting 'l')"],
    ['"a\u0001"', "invalid character '\\x01' in string literal"],
    ['"a\nb"', "invalid character '\\n' in string literal"],
    ['"\\q"', "invalid character 'q' in string escape code"],
    ['"\\u12g4"', "invalid character 'g' in \\u hexadecimal character escape"],
    ["'a'", "invalid character '\\'' looking for beginning of value"],
    // Go names the UTF-8 lead byte as if it were a rune: 0xC3 prints as 'Ã', a BOM's 0xEF as 'ï'.
    ['é', "invalid character 'Ã' looking for beginning of value"],
    ['\ufeff{}', "invalid character 'ï' looking for beginning of value"],
  ])('%j → %s', (text, message) => {
    expect(syntaxError(text)).toBe(message);
  });

  it('refuses nesting deeper than 10000, like Go', () => {
    expect(parseJson(`${'['.repeat(10_000)}${']'.repeat(10_000)}`).value).toBeDefined();
    expect(syntaxError(`${'['.repeat(10_001)}${']'.repeat(10_001)}`)).toBe("invalid character '[' exceeded max depth");
  });
});

describe('parseJson: values', () => {
  it('decodes what JSON.parse decodes, surrounding whitespace included', () => {
    const text = ' \t\n{"a":[1,-2.5e3,true,false,null,"x\\"y\\\\z\\/\\b\\f\\n\\r\\t"],"b":{}}\r\n';
    expect(parseJson(text).value).toEqual(JSON.parse(text));
  });

  it('joins surrogate pairs and turns lone surrogates into U+FFFD, as Go does', () => {
    expect(parseJson('"\\ud83d\\ude00"').value).toBe('😀');
    expect(parseJson('"\\ud800"').value).toBe('\ufffd');
    expect(parseJson('"\\ud800\\u0041"').value).toBe('\ufffdA');
    expect(parseJson('"\\udc00"').value).toBe('\ufffd');
  });

  it('keeps a __proto__ key as data, never as a prototype', () => {
    const value = parseJson('{"__proto__":{"polluted":true}}').value as Record<string, unknown>;
    expect(Object.keys(value)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
  });

  it('reports a number no float64 holds instead of failing the parse', () => {
    const parsed = parseJson('{"a":1e400,"b":2}');
    expect(parsed.outOfRangeNumber).toBe('1e400');
    expect(parseJson('{"a":1e300}').outOfRangeNumber).toBeUndefined();
  });
});

describe('parseJson: members, for strict decoding', () => {
  it('names duplicate fields with sigs.k8s.io/json paths; the later value wins', () => {
    const parsed = parseJson('{"a":1,"a":2,"b":{"c":1,"c":2},"l":[{"x":1},{"x":1,"x":3}]}');
    expect(parsed.value).toEqual({ a: 2, b: { c: 2 }, l: [{ x: 1 }, { x: 3 }] });
    expect(parsed.members.filter((member) => member.duplicate).map(memberPath)).toEqual(['a', 'b.c', 'l[1].x']);
  });

  it('paths elements of a top-level array as [i]', () => {
    const parsed = parseJson('[{"op":"add"},{"op":"remove","foo":{"bar":1}}]');
    expect(parsed.members.map(memberPath)).toEqual(['[0].op', '[1].op', '[1].foo', '[1].foo.bar']);
  });
});
