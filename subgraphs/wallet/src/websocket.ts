// graphql-ws on the subgraph's /graphql for `myBalances`: the access token comes in
// connection_init ({"authorization": "Bearer …"}), is verified once, and the socket is
// closed when it expires.
import type { Server } from 'node:http';
import { type Identity, InvalidTokenError, type TokenVerifier } from '@flowex/server';
import type { GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Context } from './context.ts';

interface Auth {
  identity: Identity | null;
  authError: string | null;
}

export function attachWebSocket(
  server: Server,
  schema: GraphQLSchema,
  verifier: TokenVerifier,
  base: Omit<Context, 'identity' | 'authError'>,
): () => Promise<void> {
  const wss = new WebSocketServer({ server, path: '/graphql' });
  const auth = new WeakMap<object, Auth>();
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
          auth.set(ctx.extra.socket, { identity, authError: null });
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
      context: (ctx): Context => ({
        ...base,
        ...(auth.get(ctx.extra.socket) ?? { identity: null, authError: null }),
      }),
    },
    wss,
  );
  return async () => {
    for (const t of timers) clearTimeout(t);
    await disposable.dispose();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  };
}
