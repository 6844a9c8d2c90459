// Test-only subgraphs, JWKS and tokens, on real sockets at 127.0.0.1 with random ports.
//  - "md" (market data): Trade, recentTrades, Subscription.trades over graphql-ws on /graphql,
//    Market.ticker; records what it saw (authorization, identity headers).
//  - "ref" (reference data): Market.baseAsset, Asset, a mutation, a slow field.
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { composeServices } from '@apollo/composition';
import { ApolloServer } from '@apollo/server';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { loadConfig } from '@flowex/config';
import { close, createGraphQLHttpServer, createTokenVerifier, listen } from '@flowex/server';
import { useServer } from 'graphql-ws/use/ws';
import { createLocalJWKSet, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { WebSocketServer } from 'ws';
import { graphql } from '../src/graphql.ts';
import { type GatewayOptions, type RunningGateway, startGateway } from '../src/main.ts';

const { parse, execute, subscribe, validate } = graphql;

const FED =
  'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable"])';

export const mdTypeDefs = `${FED}
type Market @key(fields: "symbol") {
  symbol: String!
  ticker: Ticker
}
type Ticker { market: String! lastPrice: String }
type Trade {
  id: ID!
  price: String!
  market: Market!
  seenAuthorization: String
  """Milliseconds since the epoch when the event was published (fanout benchmark)."""
  publishedAt: Float
}
type Query {
  recentTrades(market: String!, limit: Int = 50): [Trade!]!
  echoHeaders: String!
  boom: String
}
type Balance { asset: String! available: String! owner: String! }
type Subscription {
  trades(market: String!): Trade!
  """Private: the subgraph itself refuses it without a token."""
  myBalances: Balance!
}
`;

export const refTypeDefs = `${FED}
type Asset @key(fields: "code") { code: String! name: String! }
type Market @key(fields: "symbol") {
  symbol: String!
  baseAsset: Asset!
}
type Query { market(symbol: String!): Market  slow(ms: Int!): String  refHeaders: String! }
type Mutation { ping(n: Int!): Int! }
`;

export interface TestSubgraph {
  name: string;
  url: string;
  port: number;
  stop(): Promise<void>;
  /** Restart on the same port after stop(). */
  restart(): Promise<void>;
  /** Every GraphQL request it received over HTTP: whether it carried the text, the hash. */
  received: { query: boolean; hash: boolean }[];
}

interface Ctx {
  headers: Record<string, string | string[] | undefined>;
  authorization?: string;
}

export class MarketDataState {
  readonly bus = new EventEmitter();
  subscribeCalls = 0;
  activeSubscriptions = 0;
  seenHeaders: Array<Record<string, unknown>> = [];
  lastWsAuthorization: string | undefined;
  private seq = 0;
  constructor() {
    this.bus.setMaxListeners(0);
  }
  publish(market: string, price: string, extra: Record<string, unknown> = {}) {
    this.bus.emit('trade', { id: String(++this.seq), price, market: { symbol: market }, ...extra });
  }
}

async function serve(
  name: string,
  typeDefs: string,
  resolvers: unknown,
  options: { ws?: boolean; port?: number } = {},
): Promise<TestSubgraph> {
  const schema = buildSubgraphSchema({ typeDefs: parse(typeDefs), resolvers: resolvers as never });
  let server: Server;
  let apollo: ApolloServer<Ctx>;
  let wsServer: WebSocketServer | undefined;
  let port = options.port ?? 0;
  const received: TestSubgraph['received'] = [];
  const recorder = {
    async requestDidStart({ request }: { request: { query?: string; extensions?: object } }) {
      received.push({
        query: request.query !== undefined,
        hash: request.extensions !== undefined && 'persistedQuery' in request.extensions,
      });
    },
  };
  const start = async () => {
    apollo = new ApolloServer<Ctx>({ schema, logger: silentLogger, plugins: [recorder] });
    await apollo.start();
    server = createGraphQLHttpServer<Ctx>({
      apollo,
      context: async (req: IncomingMessage) => ({
        headers: req.headers,
        authorization: req.headers.authorization,
      }),
    });
    if (options.ws) {
      wsServer = new WebSocketServer({ server, path: '/graphql' });
      useServer<Record<string, unknown>, { authorization?: string }>(
        {
          schema,
          execute: execute as never,
          subscribe: subscribe as never,
          validate: validate as never,
          context: (ctx) => ({
            headers: {},
            authorization: ctx.connectionParams?.authorization as string | undefined,
          }),
        },
        wsServer,
      );
    }
    port = await listen(server, port, '127.0.0.1');
  };
  await start();
  return {
    name,
    get port() {
      return port;
    },
    get url() {
      return `http://127.0.0.1:${port}/graphql`;
    },
    async stop() {
      if (wsServer) {
        for (const c of wsServer.clients) c.terminate();
        wsServer.close();
      }
      await close(server);
      await apollo.stop();
    },
    restart: start,
    received,
  };
}

export async function startMarketData(
  state: MarketDataState,
  port?: number,
): Promise<TestSubgraph> {
  return serve(
    'md',
    mdTypeDefs,
    {
      Query: {
        recentTrades: (_: unknown, { market, limit }: { market: string; limit: number }) =>
          Array.from({ length: Math.min(limit, 3) }, (_, i) => ({
            id: `t${i}`,
            price: `${100 + i}`,
            market: { symbol: market },
          })),
        echoHeaders: (_: unknown, __: unknown, ctx: Ctx) => {
          state.seenHeaders.push(ctx.headers);
          return JSON.stringify(ctx.headers);
        },
        boom: () => {
          throw new Error('secret database detail');
        },
      },
      Market: {
        __resolveReference: (m: { symbol: string }) => m,
        ticker: (m: { symbol: string }) => ({ market: m.symbol, lastPrice: '42000.5' }),
      },
      Trade: {
        seenAuthorization: (_: unknown, __: unknown, ctx: Ctx) => ctx.authorization ?? null,
      },
      Subscription: {
        trades: {
          subscribe: (_: unknown, { market }: { market: string }, ctx: Ctx) =>
            tradesIterator(state, market, ctx.authorization),
        },
        myBalances: {
          subscribe: (_: unknown, __: unknown, ctx: Ctx) => {
            if (!ctx.authorization) {
              throw new graphql.GraphQLError('Sign in first', {
                extensions: { code: 'UNAUTHENTICATED' },
              });
            }
            return (async function* () {
              yield { myBalances: { asset: 'BTC', available: '1.5', owner: ctx.authorization } };
            })();
          },
        },
      },
    },
    { ws: true, ...(port ? { port } : {}) },
  );
}

export const assetNames: Record<string, string> = { BTC: 'Bitcoin', ETH: 'Ether' };

export async function startReference(): Promise<TestSubgraph> {
  return serve('ref', refTypeDefs, {
    Query: {
      market: (_: unknown, { symbol }: { symbol: string }) => ({ symbol }),
      slow: async (_: unknown, { ms }: { ms: number }) => {
        await new Promise((r) => setTimeout(r, ms));
        return 'done';
      },
      refHeaders: (_: unknown, __: unknown, ctx: Ctx) => JSON.stringify(ctx.headers),
    },
    Mutation: { ping: (_: unknown, { n }: { n: number }) => n + 1 },
    Market: {
      __resolveReference: (m: { symbol: string }) => m,
      baseAsset: (m: { symbol: string }) => {
        const code = m.symbol.split('-')[0]!;
        return { code, name: assetNames[code] ?? code };
      },
    },
    Asset: {
      __resolveReference: (a: { code: string }) => ({ ...a, name: assetNames[a.code] ?? a.code }),
    },
  });
}

export function composeTest(subgraphs: { name: string; url: string; typeDefs: string }[]): string {
  const result = composeServices(
    subgraphs.map((s) => ({ name: s.name, url: s.url, typeDefs: parse(s.typeDefs) })),
  );
  if (result.errors) throw new Error(result.errors.map((e) => e.message).join('\n'));
  return result.supergraphSdl;
}

// ---------------------------------------------------------------- tokens

export interface Keys {
  jwksUrl: string;
  jwks: { keys: JWK[] };
  sign(claims?: { sub?: string; expiresInSeconds?: number; roles?: string[] }): Promise<string>;
  /** A token signed by a key the JWKS does not contain. */
  forge(): Promise<string>;
  stop(): Promise<void>;
}

export async function startJwks(): Promise<Keys> {
  const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const other = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'EdDSA', use: 'sig' };
  const jwks = { keys: [jwk] };
  const server = createServer((_, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(jwks));
  });
  const port = await listen(server, 0, '127.0.0.1');
  const signWith = (
    key: typeof privateKey,
    claims: { sub?: string; expiresInSeconds?: number; roles?: string[] } = {},
  ) =>
    new SignJWT({ sid: 's1', roles: claims.roles ?? ['TRADER'], acct: 7 })
      .setProtectedHeader({ alg: 'EdDSA', kid: 'k1' })
      .setSubject(claims.sub ?? 'user-1')
      .setIssuer('flowex-auth')
      .setAudience('flowex')
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + (claims.expiresInSeconds ?? 900))
      .sign(key);
  return {
    jwksUrl: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    jwks,
    sign: (claims) => signWith(privateKey, claims),
    forge: () => signWith(other.privateKey),
    stop: () => close(server),
  };
}

export function localVerifier(keys: Keys) {
  return createTokenVerifier(createLocalJWKSet(keys.jwks));
}

// ---------------------------------------------------------------- gateway

export function testConfig(env: Record<string, string> = {}) {
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    ...(env.NODE_ENV === 'production'
      ? { JWT_PRIVATE_KEY: 'x', TOTP_ENCRYPTION_KEY: 'x', DEPOSIT_ADDRESS_SECRET: 'x'.repeat(16) }
      : {}),
    ...env,
  });
}

export interface Platform {
  state: MarketDataState;
  md: TestSubgraph;
  ref: TestSubgraph;
  keys: Keys;
  sdl: string;
  gateway: RunningGateway;
  url: string;
  wsUrl: string;
  stop(): Promise<void>;
}

export async function startPlatform(
  options: { env?: Record<string, string>; gateway?: GatewayOptions } = {},
): Promise<Platform> {
  const state = new MarketDataState();
  const [md, ref, keys] = await Promise.all([
    startMarketData(state),
    startReference(),
    startJwks(),
  ]);
  const sdl = composeTest([
    { name: 'md', url: md.url, typeDefs: mdTypeDefs },
    { name: 'ref', url: ref.url, typeDefs: refTypeDefs },
  ]);
  const gateway = await startGateway(testConfig({ JWKS_URL: keys.jwksUrl, ...options.env }), {
    supergraphSdl: sdl,
    subgraphUrls: {},
    port: 0,
    ...options.gateway,
  });
  return {
    state,
    md,
    ref,
    keys,
    sdl,
    gateway,
    url: gateway.url,
    wsUrl: gateway.url.replace(/^http/, 'ws'),
    async stop() {
      await gateway.stop();
      await Promise.allSettled([md.stop(), ref.stop(), keys.stop()]);
    },
  };
}

export async function gql(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary response shapes
): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: response.status, body: parsed, headers: response.headers };
}

const silentLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};

export function addressOf(server: Server): number {
  return (server.address() as AddressInfo).port;
}

type Trade = { market: { symbol: string } };

/** An upstream subscription whose return() takes effect at once (unlike an async generator). */
function tradesIterator(
  state: MarketDataState,
  market: string,
  authorization: string | undefined,
): AsyncIterableIterator<{ trades: Trade }> {
  const queue: { trades: Trade }[] = [];
  let pending: ((result: IteratorResult<{ trades: Trade }>) => void) | null = null;
  let done = false;
  const listener = (trade: Trade) => {
    if (trade.market.symbol !== market) return;
    const value = { trades: trade };
    if (pending) {
      const resolve = pending;
      pending = null;
      resolve({ value, done: false });
    } else queue.push(value);
  };
  state.bus.on('trade', listener);
  state.subscribeCalls++;
  state.activeSubscriptions++;
  state.lastWsAuthorization = authorization;
  const finish = () => {
    if (!done) {
      done = true;
      state.bus.off('trade', listener);
      state.activeSubscriptions--;
      pending?.({ value: undefined, done: true });
      pending = null;
    }
    return Promise.resolve({ value: undefined, done: true as const });
  };
  return {
    next: () =>
      done
        ? Promise.resolve({ value: undefined, done: true as const })
        : queue.length
          ? Promise.resolve({ value: queue.shift()!, done: false })
          : new Promise((resolve) => {
              pending = resolve;
            }),
    return: finish,
    throw: (error: unknown) => {
      void finish();
      return Promise.reject(error);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
