// A GraphQL client for journeys: the gateway's HTTP endpoint, errors kept with their codes.
export interface GqlError {
  message: string;
  extensions?: { code?: string } & Record<string, unknown>;
}

export interface GqlResult<T> {
  data?: T | null;
  errors?: GqlError[];
}

export const codeOf = (result: GqlResult<unknown>) => result.errors?.[0]?.extensions?.code;

/** The data of a result that must have succeeded. */
export function ok<T>(result: GqlResult<T>): T {
  if (result.errors?.length || !result.data) {
    throw new Error(`GraphQL errors: ${JSON.stringify(result.errors)}`);
  }
  return result.data;
}
