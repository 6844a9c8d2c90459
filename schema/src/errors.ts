// The error codes of the public API (extensions.code) and the one error type that
// carries them. Domain code throws DomainError; resolvers let it through unchanged.
import { GraphQLError } from 'graphql';

export const ErrorCode = {
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  EMAIL_TAKEN: 'EMAIL_TAKEN',
  WEAK_PASSWORD: 'WEAK_PASSWORD',
  INVALID_CREDENTIALS: 'INVALID_CREDENTIALS',
  TWO_FACTOR_REQUIRED: 'TWO_FACTOR_REQUIRED',
  INVALID_TWO_FACTOR_CODE: 'INVALID_TWO_FACTOR_CODE',
  INSUFFICIENT_FUNDS: 'INSUFFICIENT_FUNDS',
  MARKET_HALTED: 'MARKET_HALTED',
  PRICE_OUT_OF_BAND: 'PRICE_OUT_OF_BAND',
  TOO_MANY_OPEN_ORDERS: 'TOO_MANY_OPEN_ORDERS',
  ORDER_NOT_CANCELABLE: 'ORDER_NOT_CANCELABLE',
  RATE_LIMITED: 'RATE_LIMITED',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class DomainError extends GraphQLError {
  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}) {
    // An expected refusal needs no stack trace: capturing one, then formatting it when
    // graphql-js wraps the error, cost more CPU than the rest of a refused request.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message, { extensions: { code, ...details } });
    Error.stackTraceLimit = stackTraceLimit;
  }
}
