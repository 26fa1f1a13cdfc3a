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

const BINARY = [['Ei', 60n], ['Pi', 50n], ['Ti', 40n], ['Gi', 30n], ['Mi', 20n], ['Ki', 10n]] as const;
const DECIMAL = [['E', 18], ['P', 15], ['T', 12], ['G', 9], ['M', 6], ['k', 3]] as const;

/**
 * A quantity's canonical text: whole numbers with the largest exact
 * suffix (binary when `binary`, as Go keeps a sum in its first operand's
 * format), fractions in milli, micro or nano units.
 */
export function formatQuantity(value: Rational, binary: boolean): string {
  const { numerator, denominator } = value;
  if (numerator % denominator === 0n) {
    const whole = numerator / denominator;
    if (whole === 0n) return '0';
    if (binary) {
      for (const [suffix, shift] of BINARY) if (whole % (1n << shift) === 0n) return `${whole / (1n << shift)}${suffix}`;
      return String(whole);
    }
    for (const [suffix, exponent] of DECIMAL) if (whole % 10n ** BigInt(exponent) === 0n) return `${whole / 10n ** BigInt(exponent)}${suffix}`;
    return String(whole);
  }
  for (const [suffix, exponent] of [['m', 3], ['u', 6], ['n', 9]] as const) {
    const scaled = numerator * 10n ** BigInt(exponent);
    if (scaled % denominator === 0n) return `${scaled / denominator}${suffix}`;
  }
  // Kubernetes rounds finer amounts up to the nano.
  return `${(numerator * 1_000_000_000n + denominator - 1n) / denominator}n`;
}

/** Whether a quantity's text uses a binary suffix (Ki, Mi…). */
export function isBinaryQuantity(text: string): boolean {
  return /[KMGTPE]i$/.test(text);
}
