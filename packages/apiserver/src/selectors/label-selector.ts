import { badRequest } from '../errors/status.js';
import { labelValueErrors, qualifiedNameErrors } from '../validation/name-rules.js';

/**
 * Label selectors as k8s.io/apimachinery/pkg/labels parses them:
 * `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`, `a>1`, `a<5`,
 * joined by commas, all of which must hold.
 */
export type Operator = 'in' | 'notin' | 'exists' | '!' | '=' | '==' | '!=' | 'gt' | 'lt';

export interface Requirement {
  readonly key: string;
  readonly operator: Operator;
  readonly values: readonly string[];
}

export type LabelSelector = readonly Requirement[];

type Token = { kind: 'identifier' | 'op' | 'comma' | 'open' | 'close' | 'end'; text: string };

const OPERATORS = ['==', '!=', '=', '>', '<', '!'];

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === ',') tokens.push({ kind: 'comma', text: ch });
    else if (ch === '(') tokens.push({ kind: 'open', text: ch });
    else if (ch === ')') tokens.push({ kind: 'close', text: ch });
    else {
      const op = OPERATORS.find((candidate) => text.startsWith(candidate, i));
      if (op !== undefined) {
        tokens.push({ kind: 'op', text: op });
        i += op.length;
        continue;
      }
      let end = i;
      while (end < text.length && !/[\s,()=!<>]/.test(text[end]!)) end++;
      tokens.push({ kind: 'identifier', text: text.slice(i, end) });
      i = end;
      continue;
    }
    i++;
  }
  tokens.push({ kind: 'end', text: '' });
  return tokens;
}

function fail(message: string): never {
  throw badRequest(`unable to parse requirement: ${message}`);
}

function checkKey(key: string): void {
  const errors = qualifiedNameErrors(key);
  if (errors.length > 0) fail(`<nil>: Invalid value: "${key}": ${errors.join('; ')}`);
}

function checkValue(key: string, value: string): void {
  const errors = labelValueErrors(value);
  if (errors.length > 0) fail(`values[0][${key}]: Invalid value: "${value}": ${errors.join('; ')}`);
}

/** Parses a selector; throws 400 BadRequest with what is wrong. The empty string selects everything. */
export function parseLabelSelector(text: string): LabelSelector {
  const tokens = tokenize(text);
  let position = 0;
  const peek = (): Token => tokens[position]!;
  const next = (): Token => tokens[position++]!;
  const requirements: Requirement[] = [];
  if (peek().kind === 'end') return requirements;
  for (;;) {
    let token = next();
    if (token.kind === 'op' && token.text === '!') {
      const key = next();
      if (key.kind !== 'identifier') throw badRequest(`found '${key.text}', expected: identifier after '!'`);
      checkKey(key.text);
      requirements.push({ key: key.text, operator: '!', values: [] });
    } else if (token.kind === 'identifier') {
      const key = token.text;
      checkKey(key);
      const after = peek();
      if (after.kind === 'comma' || after.kind === 'end') {
        requirements.push({ key, operator: 'exists', values: [] });
      } else if (after.kind === 'identifier' && (after.text === 'in' || after.text === 'notin')) {
        next();
        if (next().kind !== 'open') throw badRequest(`found '${peek().text}', expected: '('`);
        const values: string[] = [];
        for (;;) {
          token = next();
          if (token.kind === 'close' && values.length === 0) break;
          if (token.kind !== 'identifier') {
            if (token.kind === 'comma' || token.kind === 'close') values.push('');
            else throw badRequest(`found '${token.text}', expected: ',', ')' or identifier`);
          } else {
            checkValue(key, token.text);
            values.push(token.text);
            token = next();
          }
          if (token.kind === 'close') break;
          if (token.kind !== 'comma') throw badRequest(`found '${token.text}', expected: ',' or ')'`);
        }
        if (values.length === 0) fail(`values: Required value: for 'in', 'notin' operators, values set can't be empty`);
        requirements.push({ key, operator: after.text, values });
      } else if (after.kind === 'op') {
        next();
        const operator: Operator = after.text === '>' ? 'gt' : after.text === '<' ? 'lt' : (after.text as Operator);
        if (operator === '!') throw badRequest(`found '!', expected: in, notin, =, ==, !=, gt, lt`);
        const valueToken = peek();
        const value = valueToken.kind === 'identifier' ? next().text : '';
        if (operator === 'gt' || operator === 'lt') {
          if (!/^-?\d+$/.test(value)) fail(`values[0]: Invalid value: "${value}": for 'Gt', 'Lt' operators, the value must be an integer`);
        } else {
          checkValue(key, value);
        }
        requirements.push({ key, operator, values: [value] });
      } else {
        throw badRequest(`found '${after.text}', expected: in, notin, =, ==, !=, gt, lt`);
      }
    } else {
      throw badRequest(`found '${token.text}', expected: !, identifier, or 'end of string'`);
    }
    const separator = next();
    if (separator.kind === 'end') break;
    if (separator.kind !== 'comma') throw badRequest(`found '${separator.text}', expected: ',' or 'end of string'`);
  }
  return requirements;
}

export function labelsMatch(selector: LabelSelector, labels: Readonly<Record<string, string>> | undefined): boolean {
  const set = labels ?? {};
  for (const requirement of selector) {
    const has = Object.prototype.hasOwnProperty.call(set, requirement.key);
    const value = set[requirement.key];
    switch (requirement.operator) {
      case 'exists':
        if (!has) return false;
        break;
      case '!':
        if (has) return false;
        break;
      case '=':
      case '==':
      case 'in':
        if (!has || !requirement.values.includes(value!)) return false;
        break;
      case '!=':
      case 'notin':
        if (has && requirement.values.includes(value!)) return false;
        break;
      case 'gt':
      case 'lt': {
        if (!has || !/^-?\d+$/.test(value!)) return false;
        const left = Number(value);
        const right = Number(requirement.values[0]);
        if (requirement.operator === 'gt' ? !(left > right) : !(left < right)) return false;
        break;
      }
    }
  }
  return true;
}

/** A metav1.LabelSelector object (matchLabels, matchExpressions) as requirements; both parts must hold. */
export function labelSelectorFromObject(selector: {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly { readonly key: string; readonly operator: string; readonly values?: readonly string[] }[];
}): LabelSelector {
  const operators: Record<string, Operator> = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' };
  const requirements: Requirement[] = Object.entries(selector.matchLabels ?? {}).map(([key, value]) => ({ key, operator: '=', values: [value] }));
  for (const expression of selector.matchExpressions ?? []) {
    const operator = operators[expression.operator];
    if (operator === undefined) throw new Error(`"${expression.operator}" is not a valid label selector operator`);
    requirements.push({ key: expression.key, operator, values: expression.values ?? [] });
  }
  return requirements;
}
