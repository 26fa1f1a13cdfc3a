import { badRequest } from '../errors/status.js';

/**
 * Field selectors as k8s.io/apimachinery/pkg/fields parses them: `a=b`,
 * `a==b`, `a!=b`, joined by commas; a backslash escapes `,`, `=`, `!` and
 * itself in values.
 */
export interface FieldRequirement {
  readonly field: string;
  readonly operator: '=' | '!=';
  readonly value: string;
}

/** Splits on a separator that is not escaped. */
function splitUnescaped(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\\' && i + 1 < text.length) {
      current += ch + text[i + 1]!;
      i++;
    } else if (ch === separator) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts;
}

function unescape(value: string): string {
  let result = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    if (ch === '\\') {
      const following = value[i + 1];
      if (following === undefined || !['\\', ',', '=', '!'].includes(following)) {
        throw badRequest(`invalid field selector: invalid escape sequence: \\${following ?? ''}`);
      }
      result += following;
      i++;
    } else if (ch === '=' || ch === ',' || ch === '!') {
      throw badRequest(`invalid field selector: unescaped ${ch} in value: ${value}`);
    } else result += ch;
  }
  return result;
}

export function parseFieldSelector(text: string): FieldRequirement[] {
  if (text.trim() === '') return [];
  return splitUnescaped(text, ',').map((term) => {
    for (const [token, operator] of [['!=', '!='], ['==', '='], ['=', '=']] as const) {
      const index = term.indexOf(token);
      if (index > 0 && !term.slice(0, index).includes('\\')) {
        return { field: term.slice(0, index).trim(), operator, value: unescape(term.slice(index + token.length)) };
      }
    }
    throw badRequest(`invalid selector: '${text}'; can't understand '${term}'`);
  });
}
