export { DomainError, ErrorCode } from './errors.ts';
export { canonicalDecimal, DateTimeScalar, DecimalScalar, scalarResolvers } from './scalars.ts';
