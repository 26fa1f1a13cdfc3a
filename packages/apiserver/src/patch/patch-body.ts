/**
 * Reading a patch body the way upstream's handler decodes it into Go
 * values: the type errors Go's decoder reports for each target type, and
 * sigs.k8s.io/json's strict findings (duplicate fields; unknown fields of a
 * JSON patch operation), which `fieldValidation` turns into warnings or a 422.
 */
import type { JsonValue } from '../resources/types.js';
import { goQuote } from './go-format.js';
import { JsonSyntaxError, memberPath, parseJson, type ObjectMember, type ParsedJson } from './json-syntax.js';
import { isJsonObject, jsonTypeWord, toJsonValue } from './json-value.js';

/** Upstream keeps at most this many strict decoding findings per body. */
const MAX_STRICT_FINDINGS = 100;

/** A patch as the caller has it: raw body bytes or text, or an already decoded value. */
export type PatchInput = Uint8Array | JsonValue;

/** Lists the members of an already decoded value in document order (none can be duplicates). */
function membersOf(value: JsonValue, path = ''): ObjectMember[] {
  const members: ObjectMember[] = [];
  if (Array.isArray(value)) {
    value.forEach((item, index) => members.push(...membersOf(item, `${path}[${index}]`)));
  } else if (isJsonObject(value)) {
    for (const [key, member] of Object.entries(value)) {
      members.push({ parentPath: path, key, duplicate: false });
      members.push(...membersOf(member, path === '' ? key : `${path}.${key}`));
    }
  }
  return members;
}

/**
 * Parses the body. Raw text (a string is taken as raw text too) is parsed
 * with Go's syntax errors, handed to `onSyntaxError` for the caller to word.
 */
export function readPatch(input: PatchInput, onSyntaxError: (message: string) => Error): ParsedJson {
  if (input instanceof Uint8Array || typeof input === 'string') {
    const text = typeof input === 'string' ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('utf8');
    try {
      return parseJson(text);
    } catch (error) {
      if (error instanceof JsonSyntaxError) throw onSyntaxError(error.message);
      throw error;
    }
  }
  const value = toJsonValue(input);
  return { value, members: membersOf(value) };
}

/** Go's message for a number no float64 holds, decoded into `target`. */
export function outOfRangeMessage(literal: string, target: string): string {
  return `json: cannot unmarshal number ${literal} into ${target} of type float64`;
}

/** The error decoding into map[string]interface{} gives (merge and strategic merge patches), if any. */
export function mapDecodeError(parsed: ParsedJson): string | undefined {
  const { value } = parsed;
  if (value !== null && !isJsonObject(value)) return `json: cannot unmarshal ${jsonTypeWord(value)} into Go value of type map[string]interface {}`;
  if (parsed.outOfRangeNumber !== undefined) return outOfRangeMessage(parsed.outOfRangeNumber, 'Go value');
  return undefined;
}

/** The error decoding into upstream's `[]handlers.jsonPatchOp` gives (strict decoding of a JSON patch), if any. */
export function typedOperationsDecodeError(parsed: ParsedJson): string | undefined {
  const { value } = parsed;
  if (value === null) return undefined;
  if (!Array.isArray(value)) return `json: cannot unmarshal ${jsonTypeWord(value)} into Go value of type []handlers.jsonPatchOp`;
  for (const operation of value) {
    if (operation === null) continue;
    if (!isJsonObject(operation)) return `json: cannot unmarshal ${jsonTypeWord(operation)} into Go value of type handlers.jsonPatchOp`;
    for (const [field, fieldValue] of Object.entries(operation)) {
      if ((field === 'op' || field === 'path' || field === 'from') && fieldValue !== null && typeof fieldValue !== 'string') {
        return `json: cannot unmarshal ${jsonTypeWord(fieldValue)} into Go struct field jsonPatchOp.${field} of type string`;
      }
    }
  }
  if (parsed.outOfRangeNumber !== undefined) return outOfRangeMessage(parsed.outOfRangeNumber, 'Go struct field jsonPatchOp.value');
  return undefined;
}

/** The error the JSON patch library's own decoding (into `jsonpatch.Patch`) gives, if any. */
export function operationsDecodeError(parsed: ParsedJson): string | undefined {
  const { value } = parsed;
  if (value === null) return undefined;
  if (!Array.isArray(value)) return `json: cannot unmarshal ${jsonTypeWord(value)} into Go value of type jsonpatch.Patch`;
  const bad = value.find((operation) => operation !== null && !isJsonObject(operation));
  return bad === undefined ? undefined : `json: cannot unmarshal ${jsonTypeWord(bad)} into Go value of type jsonpatch.Operation`;
}

function collect(findings: string[], finding: string): void {
  if (findings.length < MAX_STRICT_FINDINGS && !findings.includes(finding)) findings.push(finding);
}

/** Duplicate fields anywhere in a body decoded into untyped maps. */
export function duplicateFieldFindings(members: readonly ObjectMember[]): string[] {
  const findings: string[] = [];
  for (const member of members) if (member.duplicate) collect(findings, `duplicate field ${goQuote(memberPath(member))}`);
  return findings;
}

const OPERATION_FIELDS = new Set(['op', 'path', 'from', 'value']);

/**
 * Strict findings for a JSON patch decoded into upstream's operation struct:
 * fields other than op/path/from/value are unknown (and not looked into),
 * and duplicates count anywhere else.
 */
export function operationFieldFindings(members: readonly ObjectMember[]): string[] {
  const findings: string[] = [];
  const unknown: string[] = [];
  const isInsideUnknown = (path: string): boolean => unknown.some((prefix) => path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`));
  for (const member of members) {
    if (isInsideUnknown(member.parentPath)) continue;
    const path = memberPath(member);
    if (/^\[\d+\]$/.test(member.parentPath) && !OPERATION_FIELDS.has(member.key)) {
      unknown.push(path);
      collect(findings, `unknown field ${goQuote(path)}`);
    } else if (member.duplicate) {
      collect(findings, `duplicate field ${goQuote(path)}`);
    }
  }
  return findings;
}
