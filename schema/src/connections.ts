// Relay connections, one way for every subgraph: opaque cursors over a stable sort key,
// `first` bounded, one extra row fetched to learn whether there is a next page.
import { DomainError, ErrorCode } from './errors.ts';

export const MAX_PAGE_SIZE = 200;

export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

export function encodeCursor(key: string): string {
  return Buffer.from(`c:${key}`, 'utf8').toString('base64url');
}

/** The key inside a cursor from `encodeCursor`; BAD_USER_INPUT for anything else. */
export function decodeCursor(cursor: string | null | undefined): string | null {
  if (cursor == null) return null;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!text.startsWith('c:')) {
    throw new DomainError(ErrorCode.BAD_USER_INPUT, 'after is not a cursor from this list', {
      field: 'after',
    });
  }
  return text.slice(2);
}

/** Validates `first`; fetch `take` rows (one more than the page) and pass them to toConnection. */
export function pageSize(
  first: number | null | undefined,
  fallback = 50,
): { first: number; take: number } {
  const size = first ?? fallback;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw new DomainError(
      ErrorCode.BAD_USER_INPUT,
      `first must be between 1 and ${MAX_PAGE_SIZE}`,
      {
        field: 'first',
      },
    );
  }
  return { first: size, take: size + 1 };
}

export function toConnection<T>(
  rows: T[],
  first: number,
  keyOf: (row: T) => string,
): Connection<T> {
  const page = rows.slice(0, first);
  const edges = page.map((node) => ({ cursor: encodeCursor(keyOf(node)), node }));
  return {
    edges,
    pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null },
  };
}
