// The two scalars of the public API. Money never travels as a JavaScript number:
// Decimal is a canonical decimal string both ways; DateTime is ISO-8601 UTC.
import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

const DECIMAL = /^-?(0|[1-9]\d*)(\.\d+)?$/;

/** Canonical form: no exponent, no leading zeros, no trailing fractional zeros. */
export function canonicalDecimal(text: string): string {
  if (!DECIMAL.test(text)) throw new TypeError(`not a decimal: ${text}`);
  const negative = text.startsWith('-');
  const body = negative ? text.slice(1) : text;
  const [intPart = '0', fracPart = ''] = body.split('.');
  const frac = fracPart.replace(/0+$/, '');
  const out = frac ? `${intPart}.${frac}` : intPart;
  return negative && out !== '0' ? `-${out}` : out;
}

function serializeDecimal(value: unknown): string {
  if (typeof value === 'string') return canonicalDecimal(value);
  if (typeof value === 'bigint') return value.toString();
  // Prisma.Decimal (decimal.js) and anything else with an exact toFixed().
  if (value && typeof value === 'object' && 'toFixed' in value) {
    return canonicalDecimal((value as { toFixed(): string }).toFixed());
  }
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  throw new GraphQLError(`Decimal cannot represent ${String(value)} exactly`);
}

function parseDecimal(value: unknown): string {
  if (typeof value !== 'string' || !DECIMAL.test(value.trim())) {
    throw new GraphQLError('Decimal must be a string such as "42000.5"', {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  }
  return canonicalDecimal(value.trim());
}

export const DecimalScalar = new GraphQLScalarType<string, string>({
  name: 'Decimal',
  description: 'An exact decimal number, as a string ("42000.5"); never a float.',
  serialize: serializeDecimal,
  parseValue: parseDecimal,
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) {
      throw new GraphQLError('Decimal must be a string such as "42000.5"', {
        extensions: { code: 'BAD_USER_INPUT' },
      });
    }
    return parseDecimal(ast.value);
  },
});

function parseDateTime(value: unknown): Date {
  const date = typeof value === 'string' ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime())) {
    throw new GraphQLError('DateTime must be an ISO-8601 string', {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  }
  return date;
}

export const DateTimeScalar = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  description: 'An ISO-8601 UTC timestamp.',
  serialize(value) {
    const date = value instanceof Date ? value : new Date(value as string);
    if (Number.isNaN(date.getTime())) throw new GraphQLError('invalid DateTime');
    return date.toISOString();
  },
  parseValue: parseDateTime,
  parseLiteral(ast) {
    return parseDateTime(ast.kind === Kind.STRING ? ast.value : undefined);
  },
});

export const scalarResolvers = { Decimal: DecimalScalar, DateTime: DateTimeScalar };
