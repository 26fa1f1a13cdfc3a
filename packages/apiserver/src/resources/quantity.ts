/**
 * Kubernetes quantities (resource.Quantity) as exact rationals: `500m`,
 * `1.5Gi`, `2e3`. What admission (limits, quotas) and CEL compare.
 */
export interface Rational {
  readonly numerator: bigint;
  readonly denominator: bigint;
}

const BINARY_SUFFIXES: Readonly<Record<string, bigint>> = { Ki: 1n << 10n, Mi: 1n << 20n, Gi: 1n << 30n, Ti: 1n << 40n, Pi: 1n << 50n, Ei: 1n << 60n };
const DECIMAL_EXPONENTS: Readonly<Record<string, number>> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

/** A quantity's exact value, or undefined when the text is no quantity. */
export function parseQuantity(text: string): Rational | undefined {
  const match = /^([+-]?)(\d+\.?\d*|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/.exec(text);
  if (match === null) return undefined;
  const [, sign = '', number = '', suffix = ''] = match;
  const [whole = '', fraction = ''] = number.split('.');
  let numerator = BigInt(`${whole}${fraction}` || '0');
  let denominator = 10n ** BigInt(fraction.length);
  if (sign === '-') numerator = -numerator;
  let exponent = 0;
  if (suffix in BINARY_SUFFIXES) numerator *= BINARY_SUFFIXES[suffix]!;
  else if (/^[eE]/.test(suffix)) exponent = Number(suffix.slice(1));
  else exponent = DECIMAL_EXPONENTS[suffix] ?? 0;
  if (exponent > 0) numerator *= 10n ** BigInt(exponent);
  if (exponent < 0) denominator *= 10n ** BigInt(-exponent);
  return { numerator, denominator };
}

export function compareQuantities(a: Rational, b: Rational): number {
  const left = a.numerator * b.denominator;
  const right = b.numerator * a.denominator;
  return left < right ? -1 : left > right ? 1 : 0;
}

export function addQuantities(a: Rational, b: Rational): Rational {
  return { numerator: a.numerator * b.denominator + b.numerator * a.denominator, denominator: a.denominator * b.denominator };
}

export function quantityToNumber(value: Rational): number {
  return Number(value.numerator) / Number(value.denominator);
}
