export {
  type Connection,
  decodeCursor,
  encodeCursor,
  MAX_PAGE_SIZE,
  pageSize,
  toConnection,
} from './connections.ts';
export { DomainError, ErrorCode } from './errors.ts';
export { canonicalDecimal, DateTimeScalar, DecimalScalar, scalarResolvers } from './scalars.ts';
