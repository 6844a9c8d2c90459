import { DomainError, ErrorCode } from '@flowex/schema';
import {
  buildSchema,
  execute,
  type GraphQLFieldResolver,
  type GraphQLObjectType,
  parse,
} from 'graphql';
import { afterEach, describe, expect, it } from 'vitest';
import { locateRootRefusals } from '../src/refusals.ts';

const typeDefs = `
  type Query { ok: Boolean }
  type Mutation { cancel(id: ID!): Boolean, crash: Boolean }
`;
const resolvers = {
  Query: { ok: () => true },
  Mutation: {
    cancel: async (_: unknown, { id }: { id: string }) => {
      await null;
      throw new DomainError(
        ErrorCode.ORDER_NOT_CANCELABLE,
        `Order ${id} is FILLED: cannot cancel it.`,
      );
    },
    crash: () => {
      throw new Error('a bug');
    },
  },
};

const original = Error.prepareStackTrace;
afterEach(() => {
  Error.prepareStackTrace = original;
});

/** Runs the operation, counting the stack frames V8 formats meanwhile. */
async function run(source: string, located: boolean) {
  // graphql-js alone (no @apollo/subgraph, which vitest would load with a second graphql).
  const schema = buildSchema(typeDefs);
  const map = located ? locateRootRefusals(resolvers) : resolvers;
  for (const [root, fields] of Object.entries(map)) {
    const type = schema.getType(root) as GraphQLObjectType;
    for (const [name, resolve] of Object.entries(fields)) {
      type.getFields()[name]!.resolve = resolve as GraphQLFieldResolver<unknown, unknown>;
    }
  }
  let framesFormatted = 0;
  Error.prepareStackTrace = (error, frames) => {
    framesFormatted += frames.length;
    return `${error.name}: ${error.message}`;
  };
  const result = await execute({ schema, document: parse(source) });
  Error.prepareStackTrace = original;
  return { result, framesFormatted };
}

describe('refusals of root fields', () => {
  it('keep their message, code, path and location, and format no stack frames', async () => {
    const { result, framesFormatted } = await run('mutation { cancel(id: "7") }', true);
    expect(result.errors?.map((e) => e.toJSON())).toEqual([
      {
        message: 'Order 7 is FILLED: cannot cancel it.',
        locations: [{ line: 1, column: 12 }],
        path: ['cancel'],
        extensions: { code: 'ORDER_NOT_CANCELABLE' },
      },
    ]);
    expect(result.errors?.[0]?.originalError).toBeInstanceOf(DomainError);
    expect(framesFormatted).toBe(0);
  });

  it('answer exactly as graphql-js locates them itself, which formats a stack', async () => {
    const located = await run('mutation { cancel(id: "7") }', true);
    const plain = await run('mutation { cancel(id: "7") }', false);
    expect(located.result).toEqual(plain.result);
    expect(plain.framesFormatted).toBeGreaterThan(0);
  });

  it('leave unexpected errors as they were, stack included', async () => {
    const { result, framesFormatted } = await run('mutation { crash }', true);
    expect(result.errors?.[0]?.message).toBe('a bug');
    expect(result.errors?.[0]?.path).toEqual(['crash']);
    expect(result.errors?.[0]?.extensions).toEqual({});
    expect(framesFormatted).toBeGreaterThan(0);
  });
});
