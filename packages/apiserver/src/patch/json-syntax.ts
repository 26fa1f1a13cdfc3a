/**
 * A JSON parser that fails the way Go's encoding/json does.
 *
 * Patch bodies reach upstream's handler as bytes and its 400 responses carry
 * Go's decoder messages verbatim ("invalid character 'x' looking for
 * beginning of value", "unexpected end of JSON input"), so we cannot use
 * JSON.parse's messages. The parser also reports what sigs.k8s.io/json's
 * strict mode reports — every object member with its field path, so callers
 * can name duplicate (and, for typed targets, unknown) fields exactly as
 * upstream's `fieldValidation` warnings and errors do.
 *
 * It is iterative, so a deeply nested body cannot overflow the stack; like Go
 * it refuses nesting deeper than 10000.
 */
import type { JsonObject, JsonValue } from '../resources/types.js';
import { goQuoteByte } from './go-format.js';
import { hasMember, setMember } from './json-value.js';

const MAX_NESTING_DEPTH = 10_000;
const UNEXPECTED_END = 'unexpected end of JSON input';

/** A body that is not JSON; the message is encoding/json's. */
export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'JsonSyntaxError';
  }
}

/** One object member as the decoder met it, in document order. */
export interface ObjectMember {
  /** sigs.k8s.io/json's path of the object holding the member: `spec.containers[0]`, `` at the top. */
  readonly parentPath: string;
  readonly key: string;
  /** The object already had this key (the later value wins, as in Go). */
  readonly duplicate: boolean;
}

export interface ParsedJson {
  readonly value: JsonValue;
  readonly members: readonly ObjectMember[];
  /**
   * The first number too large for a float64 (`1e400`). Go's decoder reports
   * it as a type error only after the whole body proved to be valid JSON,
   * so it is returned rather than thrown, and its value reads as 0.
   */
  readonly outOfRangeNumber?: string;
}

/** The strict-decoding path of a member: `a.b`, `[0].op`, or just `a` at the top. */
export function memberPath(member: ObjectMember): string {
  return member.parentPath === '' ? member.key : `${member.parentPath}.${member.key}`;
}

type Frame = { kind: 'array'; items: JsonValue[]; path: string } | { kind: 'object'; members: JsonObject; path: string; key: string };

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

class Parser {
  private pos = 0;
  private outOfRange: string | undefined;
  readonly members: ObjectMember[] = [];

  constructor(private readonly text: string) {}

  parse(): ParsedJson {
    const value = this.parseValue();
    this.skipSpace();
    if (this.pos < this.text.length) throw this.error('after top-level value');
    return this.outOfRange === undefined ? { value, members: this.members } : { value, members: this.members, outOfRangeNumber: this.outOfRange };
  }

  private error(context: string): JsonSyntaxError {
    // Go names the offending byte; for a multi-byte character that is its UTF-8 lead byte.
    const codePoint = this.text.codePointAt(this.pos)!;
    const byte = codePoint < 0x80 ? codePoint : Buffer.from(String.fromCodePoint(codePoint), 'utf8')[0]!;
    return new JsonSyntaxError(`invalid character ${goQuoteByte(byte)} ${context}`, this.pos);
  }

  private end(): JsonSyntaxError {
    return new JsonSyntaxError(UNEXPECTED_END, this.text.length);
  }

  private skipSpace(): void {
    for (;;) {
      const char = this.text[this.pos];
      if (char !== ' ' && char !== '\t' && char !== '\n' && char !== '\r') return;
      this.pos++;
    }
  }

  /** The next significant character, or an "unexpected end" error. */
  private peekSignificant(): string {
    this.skipSpace();
    const char = this.text[this.pos];
    if (char === undefined) throw this.end();
    return char;
  }

  private slotPath(stack: readonly Frame[]): string {
    const frame = stack.at(-1);
    if (frame === undefined) return '';
    if (frame.kind === 'array') return `${frame.path}[${frame.items.length}]`;
    return frame.path === '' ? frame.key : `${frame.path}.${frame.key}`;
  }

  /** Reads `"key" :` inside an object, recording the member. */
  private readKey(members: JsonObject, parentPath: string): string {
    const key = this.readString();
    if (this.peekSignificant() !== ':') throw this.error('after object key');
    this.pos++;
    this.members.push({ parentPath, key, duplicate: hasMember(members, key) });
    return key;
  }

  private parseValue(): JsonValue {
    const stack: Frame[] = [];
    for (;;) {
      let value: JsonValue;
      const char = this.peekSignificant();
      if (char === '{' || char === '[') {
        if (stack.length + 1 > MAX_NESTING_DEPTH) throw this.error('exceeded max depth');
        const path = this.slotPath(stack);
        this.pos++;
        const next = this.peekSignificant();
        if (char === '{') {
          const members: JsonObject = {};
          if (next === '}') {
            this.pos++;
            value = members;
          } else if (next === '"') {
            stack.push({ kind: 'object', members, path, key: this.readKey(members, path) });
            continue;
          } else {
            throw this.error('looking for beginning of object key string');
          }
        } else if (next === ']') {
          this.pos++;
          value = [];
        } else {
          stack.push({ kind: 'array', items: [], path });
          continue;
        }
      } else if (char === '"') {
        value = this.readString();
      } else if (char === '-' || (char >= '0' && char <= '9')) {
        value = this.readNumber();
      } else if (char === 't') {
        value = this.readLiteral('true', true);
      } else if (char === 'f') {
        value = this.readLiteral('false', false);
      } else if (char === 'n') {
        value = this.readLiteral('null', null);
      } else {
        throw this.error('looking for beginning of value');
      }

      // Hand the finished value to the containers it completes.
      for (;;) {
        const frame = stack.at(-1);
        if (frame === undefined) return value;
        if (frame.kind === 'array') {
          frame.items.push(value);
          const next = this.peekSignificant();
          if (next === ',') {
            this.pos++;
            break;
          }
          if (next !== ']') throw this.error('after array element');
          this.pos++;
          value = frame.items;
          stack.pop();
          continue;
        }
        setMember(frame.members, frame.key, value);
        const next = this.peekSignificant();
        if (next === ',') {
          this.pos++;
          if (this.peekSignificant() !== '"') throw this.error('looking for beginning of object key string');
          frame.key = this.readKey(frame.members, frame.path);
          break;
        }
        if (next !== '}') throw this.error('after object key:value pair');
        this.pos++;
        value = frame.members;
        stack.pop();
      }
    }
  }

  private readHex4(): number {
    let code = 0;
    for (let index = 0; index < 4; index++) {
      const char = this.text[this.pos];
      if (char === undefined) throw this.end();
      if (!/^[0-9a-fA-F]$/.test(char)) throw this.error('in \\u hexadecimal character escape');
      code = code * 16 + Number.parseInt(char, 16);
      this.pos++;
    }
    return code;
  }

  private readString(): string {
    this.pos++; // opening quote
    let out = '';
    let runStart = this.pos;
    for (;;) {
      const code = this.text.charCodeAt(this.pos);
      if (Number.isNaN(code)) throw this.end();
      if (code === 0x22) {
        out += this.text.slice(runStart, this.pos);
        this.pos++;
        return out;
      }
      if (code < 0x20) throw this.error('in string literal');
      if (code !== 0x5c) {
        this.pos++;
        continue;
      }
      out += this.text.slice(runStart, this.pos);
      this.pos++;
      const escape = this.text[this.pos];
      if (escape === undefined) throw this.end();
      if (escape === 'u') {
        this.pos++;
        out += this.readUnicodeEscape();
      } else if (SIMPLE_ESCAPES[escape] !== undefined) {
        this.pos++;
        out += SIMPLE_ESCAPES[escape];
      } else {
        throw this.error('in string escape code');
      }
      runStart = this.pos;
    }
  }

  /** After `\u`: a code unit, or a surrogate pair; a lone surrogate decodes to U+FFFD as in Go. */
  private readUnicodeEscape(): string {
    const unit = this.readHex4();
    if (unit < 0xd800 || unit >= 0xe000) return String.fromCharCode(unit);
    if (unit < 0xdc00 && this.text.startsWith('\\u', this.pos)) {
      const save = this.pos;
      this.pos += 2;
      const low = this.readHex4();
      if (low >= 0xdc00 && low < 0xe000) return String.fromCharCode(unit, low);
      this.pos = save; // not a pair: the next escape stands on its own
    }
    return '\ufffd';
  }

  private readDigits(): void {
    while (this.pos < this.text.length && this.text[this.pos]! >= '0' && this.text[this.pos]! <= '9') this.pos++;
  }

  private expectDigit(context: string): void {
    const char = this.text[this.pos];
    if (char === undefined) throw this.end();
    if (char < '0' || char > '9') throw this.error(context);
    this.readDigits();
  }

  private readNumber(): number {
    const start = this.pos;
    if (this.text[this.pos] === '-') this.pos++;
    const first = this.text[this.pos];
    if (first === undefined) throw this.end();
    if (first === '0') this.pos++;
    else if (first >= '1' && first <= '9') this.readDigits();
    else throw this.error('in numeric literal');
    if (this.text[this.pos] === '.') {
      this.pos++;
      this.expectDigit('after decimal point in numeric literal');
    }
    if (this.text[this.pos] === 'e' || this.text[this.pos] === 'E') {
      this.pos++;
      if (this.text[this.pos] === '+' || this.text[this.pos] === '-') this.pos++;
      this.expectDigit('in exponent of numeric literal');
    }
    const literal = this.text.slice(start, this.pos);
    const value = Number(literal);
    if (!Number.isFinite(value)) {
      this.outOfRange ??= literal;
      return 0;
    }
    return value === 0 ? 0 : value;
  }

  private readLiteral<T extends JsonValue>(word: string, value: T): T {
    for (let index = 1; index < word.length; index++) {
      this.pos++;
      const char = this.text[this.pos];
      if (char === undefined) throw this.end();
      if (char !== word[index]) throw this.error(`in literal ${word} (expecting '${word[index]}')`);
    }
    this.pos++;
    return value;
  }
}

/** Parses a JSON text, throwing JsonSyntaxError with Go's message when it is not JSON. */
export function parseJson(text: string): ParsedJson {
  return new Parser(text).parse();
}
