// The gateway's node:http front: GraphQL over HTTP on /graphql (POST, and GET for queries),
// Apollo Sandbox in development, /health, /ready and /metrics. The same server takes the
// graphql-ws upgrades (subscriptions/server.ts).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { failed, type Logger, receivedTraceparent, SpanKind, serveMetrics } from '@flowex/server';
import type { ExecutionResult } from './execute.ts';
import type { GatewayCore } from './gateway.ts';
import { InvalidTokenError, type TokenVerifier } from './identity.ts';
import type { GatewayMetrics } from './metrics.ts';
import { coerceVariables, spanName } from './operations.ts';
import {
  type ClientError,
  csrfBlocked,
  type Limits,
  maskError,
  RateLimitedError,
  type RateLimits,
} from './protection.ts';

export interface HttpDeps {
  core: GatewayCore;
  verifier: TokenVerifier;
  rateLimits: RateLimits;
  limits: Limits;
  production: boolean;
  metrics: GatewayMetrics;
  /** METRICS_TOKEN: when set, /metrics answers only requests bearing it. */
  metricsToken?: string | undefined;
  logger: Logger;
  /** Development landing page (Apollo Sandbox); none in production. */
  landingPage?: () => Promise<string>;
  ready: () => Promise<{ ok: boolean; checks: Record<string, boolean> }>;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, POST, OPTIONS',
  'access-control-allow-headers':
    'content-type, authorization, apollo-require-preflight, x-apollo-operation-name, traceparent',
  'access-control-max-age': '600',
};

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function createGatewayHttpServer(deps: HttpDeps): Server {
  const { core, metrics, production } = deps;

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (error instanceof HttpError) {
        metrics.rejected.labels(error.code).inc();
        return sendErrors(
          res,
          error.status,
          [{ message: error.message, extensions: { code: error.code } }],
          error.headers,
        );
      }
      deps.logger.error({ err: error }, 'request failed');
      sendErrors(res, 500, [
        { message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } },
      ]);
    });
  });
  server.keepAliveTimeout = 65_000;
  return server;

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const pathname = q === -1 ? url : url.slice(0, q);
    if (pathname === '/health') return send(res, 200, '{"status":"ok"}');
    if (pathname === '/ready') {
      const { ok, checks } = await deps.ready();
      return send(
        res,
        ok ? 200 : 503,
        JSON.stringify({ status: ok ? 'ready' : 'not ready', checks }),
      );
    }
    if (pathname === '/metrics') return serveMetrics(req, res, metrics.registry, deps.metricsToken);
    if (pathname !== '/graphql' && pathname !== '/') {
      return send(res, 404, '{"error":"not found"}');
    }
    if (req.method === 'OPTIONS') {
      res.writeHead(204, CORS_HEADERS);
      return void res.end();
    }
    const search = q === -1 ? undefined : new URLSearchParams(url.slice(q + 1));
    if (req.method === 'GET' && !search?.has('query')) {
      if (deps.landingPage && (req.headers.accept ?? '').includes('text/html')) {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        return void res.end(await deps.landingPage());
      }
      throw new HttpError(400, 'GET requests must carry a "query" parameter', 'BAD_REQUEST');
    }
    if (req.method !== 'GET' && req.method !== 'POST') {
      throw new HttpError(405, 'Only GET and POST are supported', 'BAD_REQUEST', {
        allow: 'GET, POST',
      });
    }

    const ip = req.socket.remoteAddress ?? 'unknown';
    // A token verified before names its user at once: both limits in one Redis round trip.
    const known = deps.verifier.known(req.headers.authorization);
    await limited(known ? deps.rateLimits.ipAndUser(ip, known.userId) : deps.rateLimits.ip(ip));
    if (csrfBlocked(req.headers)) {
      throw new HttpError(
        400,
        'This operation has been blocked as a potential Cross-Site Request Forgery (CSRF). ' +
          'Send "Content-Type: application/json" or an "apollo-require-preflight" header.',
        'BAD_REQUEST',
      );
    }

    let params: {
      query?: unknown;
      operationName?: unknown;
      variables?: unknown;
      extensions?: unknown;
    };
    if (req.method === 'GET') {
      params = {
        query: search!.get('query'),
        operationName: search!.get('operationName') ?? undefined,
        variables: parseParam(search!.get('variables')),
      };
    } else {
      const body = await readBody(req, deps.limits.maxBodyBytes);
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        throw new HttpError(400, 'The request body is not valid JSON', 'BAD_REQUEST');
      }
      if (Array.isArray(parsed)) {
        throw new HttpError(400, 'Batched requests are not supported', 'BAD_REQUEST');
      }
      if (!parsed || typeof parsed !== 'object') {
        throw new HttpError(400, 'The request body must be a JSON object', 'BAD_REQUEST');
      }
      params = parsed as typeof params;
    }
    if (typeof params.query !== 'string' || !params.query) {
      throw new HttpError(400, 'The request must carry a non-empty "query" string', 'BAD_REQUEST');
    }
    const operationName =
      typeof params.operationName === 'string' ? params.operationName : undefined;

    // Identity: only a verified token counts, and only `authorization` is forwarded.
    const authorization = req.headers.authorization;
    let identity = null;
    try {
      identity = await deps.verifier.fromAuthorization(authorization);
    } catch (error) {
      if (error instanceof InvalidTokenError) {
        throw new HttpError(401, `Invalid access token: ${error.message}`, 'UNAUTHENTICATED', {
          'www-authenticate': 'Bearer error="invalid_token"',
        });
      }
      throw error;
    }
    if (identity && identity.userId !== known?.userId) {
      await limited(deps.rateLimits.user(identity.userId));
    }

    const started = performance.now();
    const prepared = core.cache.get(params.query, operationName);
    if (prepared.kind === 'invalid') {
      prepared.metrics.requests.inc();
      prepared.metrics.errors.inc();
      return sendErrors(res, 400, prepared.errors);
    }
    const { metrics: m } = prepared;
    m.requests.inc();
    if (prepared.kind === 'subscription') {
      m.errors.inc();
      throw new HttpError(
        400,
        'Subscriptions are served over WebSocket (graphql-ws protocol) on this endpoint',
        'BAD_REQUEST',
      );
    }
    if (req.method === 'GET' && prepared.kind !== 'query') {
      m.errors.inc();
      throw new HttpError(405, 'Mutations must be sent with POST', 'BAD_REQUEST', {
        allow: 'POST',
      });
    }
    const coerced = coerceVariables(core.schema, prepared, params.variables);
    if ('errors' in coerced) {
      m.errors.inc();
      return sendErrors(res, 400, coerced.errors);
    }
    // The request's span: a child of the client's `traceparent` when it sent one.
    const received = receivedTraceparent(req.headers);
    const span = core.tracing.start(spanName(prepared), received, {
      kind: SpanKind.SERVER,
    });
    let result: ExecutionResult;
    try {
      const caller = identity ? authorization : undefined;
      result = await core.execute(prepared, coerced.variables, caller, ip, span ?? received);
    } catch (error) {
      failed(span, error);
      throw error;
    } finally {
      span?.end();
    }
    let body: string;
    if (result.errors) {
      m.errors.inc();
      body = JSON.stringify({
        errors: result.errors.map((e) => maskError(e, production)),
        data: result.data,
      });
    } else {
      body = `{"data":${JSON.stringify(result.data)}}`;
    }
    m.duration.observe((performance.now() - started) / 1000);
    send(res, 200, body);
  }
}

async function limited(check: Promise<void>) {
  try {
    await check;
  } catch (error) {
    if (error instanceof RateLimitedError) {
      throw new HttpError(429, error.message, 'RATE_LIMITED', {
        'retry-after': String(error.retryAfterSeconds),
      });
    }
    throw error;
  }
}

function parseParam(value: string | null): unknown {
  if (!value) return undefined;
  try {
    return JSON.parse(value);
  } catch {
    throw new HttpError(400, '"variables" is not valid JSON', 'BAD_REQUEST');
  }
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) {
    req.resume();
    return Promise.reject(tooLarge(limit));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () =>
      resolve(
        chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8'),
      ),
    );
    req.on('error', reject);
  });
}

function tooLarge(limit: number) {
  return new HttpError(413, `Request body larger than ${limit} bytes`, 'BAD_REQUEST', {
    connection: 'close',
  });
}

function send(
  res: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
) {
  res.writeHead(status, {
    'content-type': JSON_TYPE,
    'content-length': Buffer.byteLength(body),
    'access-control-allow-origin': '*',
    ...headers,
  });
  res.end(body);
}

function sendErrors(
  res: ServerResponse,
  status: number,
  errors: ClientError[],
  headers: Record<string, string> = {},
) {
  if (res.headersSent) return void res.end();
  send(res, status, JSON.stringify({ errors }), headers);
}
