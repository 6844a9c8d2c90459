// A small node:http front for Apollo Server: GraphQL on /graphql plus the operational
// routes every FlowEx service has (/health, /ready). No framework: one less layer on
// the hot path, and the same server object takes WebSocket upgrades later.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type ApolloServer,
  type BaseContext,
  HeaderMap,
  type HTTPGraphQLResponse,
} from '@apollo/server';
import { failed, receivedTraceparent, SpanKind, type Tracing, traceparentOf } from './tracing.ts';

export interface HttpOptions<TContext extends BaseContext> {
  apollo: ApolloServer<TContext>;
  context: (req: IncomingMessage) => Promise<TContext>;
  /** Extra readiness check (database reachable, …); throws or returns false when not ready. */
  ready?: () => Promise<boolean>;
  maxBodyBytes?: number;
  /** Extra plain-HTTP routes by exact path (e.g. `/.well-known/jwks.json`). */
  routes?: Record<string, HttpRoute>;
  /** A server span per GraphQL request, child of the caller's `traceparent`. */
  tracing?: Tracing;
}

/** The `traceparent` of each GraphQL request: its server span's, else the one it came with. */
const traceparents = new WeakMap<IncomingMessage, string>();

/** What a request's resolvers pass on (to the engine) to continue its trace. */
export function requestTraceparent(req: IncomingMessage): string | undefined {
  return traceparents.get(req);
}

export type HttpRoute = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

const DEFAULT_MAX_BODY = 1 << 20;

export function createGraphQLHttpServer<TContext extends BaseContext>(
  options: HttpOptions<TContext>,
): Server {
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  return createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ message: 'internal error' }] }));
      req.socket.emit('flowex:error', error);
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/health') return sendJson(res, 200, { status: 'ok' });
    if (url.pathname === '/ready') {
      const ok = await (options.ready?.() ?? Promise.resolve(true)).catch(() => false);
      return sendJson(res, ok ? 200 : 503, { status: ok ? 'ready' : 'not ready' });
    }
    const route = options.routes?.[url.pathname];
    if (route) return route(req, res);
    if (url.pathname !== '/graphql' && url.pathname !== '/') {
      return sendJson(res, 404, { error: 'not found' });
    }
    const body = req.method === 'POST' ? await readBody(req, maxBody) : undefined;
    if (body === TOO_LARGE)
      return sendJson(res, 413, { errors: [{ message: 'request body too large' }] });

    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const parsed = body === undefined || body === '' ? undefined : parseJson(body);
    const received = receivedTraceparent(req.headers);
    const span = options.tracing?.start(`graphql ${operationNameOf(parsed)}`, received, {
      kind: SpanKind.SERVER,
    });
    const traceparent = span ? traceparentOf(span) : received;
    if (traceparent) traceparents.set(req, traceparent);
    let response: HTTPGraphQLResponse;
    try {
      response = await options.apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: {
          method: req.method ?? 'GET',
          headers,
          search: url.search,
          body: parsed,
        },
        context: contextOf(options, req),
      });
    } catch (error) {
      failed(span, error);
      throw error;
    } finally {
      span?.end();
    }
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  }
}

/**
 * The request's context factory, made by a function rather than written inline: under tsx an
 * arrow in a named position (a property, a const) also costs an esbuild `__name` call per
 * request (≈ 1 % of the trading subgraph's CPU); a returned one has no name to keep.
 */
function contextOf<TContext extends BaseContext>(
  options: HttpOptions<TContext>,
  req: IncomingMessage,
): () => Promise<TContext> {
  return () => options.context(req);
}

const TOO_LARGE = Symbol('too large');

function readBody(req: IncomingMessage, limit: number): Promise<string | typeof TOO_LARGE> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        resolve(TOO_LARGE);
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function operationNameOf(body: unknown): string {
  const name = (body as { operationName?: unknown } | undefined)?.operationName;
  return typeof name === 'string' && name ? name : 'operation';
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text; // Apollo answers a clear 400 for a body it cannot use.
  }
}

function sendJson(res: ServerResponse, status: number, value: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}

export async function listen(server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

export function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
