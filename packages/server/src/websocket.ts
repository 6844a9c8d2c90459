// graphql-ws on a subgraph's own /graphql, for the subscriptions it owns. The access
// token comes in connection_init ({"authorization": "Bearer …"}), is verified once, and
// the socket is closed when the token expires. The gateway connects here on behalf of
// its clients, forwarding their connection_init payload.
import type { Server } from 'node:http';
import type { GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Caller } from './caller.ts';
import { InvalidTokenError, type TokenVerifier } from './identity.ts';

export function attachGraphQLWebSocket<TContext>(
  server: Server,
  schema: GraphQLSchema,
  verifier: TokenVerifier,
  context: (caller: Caller) => TContext,
): () => Promise<void> {
  const wss = new WebSocketServer({ server, path: '/graphql' });
  const callers = new WeakMap<object, Caller>();
  const timers = new Set<NodeJS.Timeout>();
  const disposable = useServer<Record<string, unknown>>(
    {
      schema,
      onConnect: async (ctx) => {
        const header = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
        try {
          const identity = await verifier.fromAuthorization(
            typeof header === 'string' ? header : undefined,
          );
          callers.set(ctx.extra.socket, { identity, authError: null });
          if (identity?.expiresAt) {
            const timer = setTimeout(
              () => ctx.extra.socket.close(4401, 'Access token expired'),
              Math.max(0, identity.expiresAt * 1000 - Date.now()),
            );
            timers.add(timer);
            ctx.extra.socket.once('close', () => {
              clearTimeout(timer);
              timers.delete(timer);
            });
          }
          return true;
        } catch (error) {
          if (error instanceof InvalidTokenError) return false; // closes 4403 Forbidden
          throw error;
        }
      },
      context: (ctx) =>
        context(callers.get(ctx.extra.socket) ?? { identity: null, authError: null }),
    },
    wss,
  );
  return async () => {
    for (const t of timers) clearTimeout(t);
    await disposable.dispose();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  };
}
