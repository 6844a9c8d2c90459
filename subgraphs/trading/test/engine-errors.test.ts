// The one mapping of the engine intake's refusals to the public error codes.
import { IntakeError, type IntakeErrorCode } from '@flowex/engine';
import { DomainError } from '@flowex/schema';
import { describe, expect, it } from 'vitest';
import { engineError } from '../src/domain/trading.ts';

const codeFor = (code: IntakeErrorCode) => {
  try {
    engineError(new IntakeError(code, 'x'));
  } catch (error) {
    return (error as DomainError).extensions.code;
  }
};

describe('engineError', () => {
  it('maps every IntakeError code to a GraphQL error code', () => {
    expect(codeFor('UNKNOWN_MARKET')).toBe('NOT_FOUND');
    expect(codeFor('UNKNOWN_ORDER')).toBe('NOT_FOUND');
    expect(codeFor('MARKET_HALTED')).toBe('MARKET_HALTED');
    expect(codeFor('INSUFFICIENT_FUNDS')).toBe('INSUFFICIENT_FUNDS');
    expect(codeFor('INVALID_ORDER')).toBe('BAD_USER_INPUT');
    expect(codeFor('DUPLICATE_CLIENT_ORDER_ID')).toBe('BAD_USER_INPUT');
  });

  it('lets DomainErrors and unexpected errors through unchanged', () => {
    const domain = new DomainError('NOT_FOUND', 'nope');
    expect(() => engineError(domain)).toThrow(domain);
    const boom = new Error('boom');
    expect(() => engineError(boom)).toThrow(boom);
  });
});
