export {
  type Caller,
  clientIp,
  identify,
  optionalIdentity,
  requireIdentity,
  requireRole,
} from './caller.ts';
export { type DevSecretOptions, devSecret } from './dev-secrets.ts';
export type { HttpRoute } from './http.ts';
export { close, createGraphQLHttpServer, listen, requestTraceparent } from './http.ts';
export {
  createTokenVerifier,
  type Identity,
  InvalidTokenError,
  type Role,
  TOKEN_ALGORITHM,
  TOKEN_AUDIENCE,
  TOKEN_ISSUER,
  type TokenVerifier,
} from './identity.ts';
export { createLogger, type Logger } from './logger.ts';
export {
  createSubgraphMetrics,
  metricsAuthorized,
  type SubgraphMetrics,
  serveMetrics,
} from './metrics.ts';
export { type PeriodicOptions, startPeriodic } from './periodic.ts';
export { RefreshingCache } from './refreshing-cache.ts';
export { withoutStack } from './refusals.ts';
export { type RunningService, type SubgraphOptions, startSubgraph } from './subgraph.ts';
export {
  createTracing,
  failed,
  noTracing,
  receivedTraceparent,
  type Span,
  SpanKind,
  sampled,
  type Tracing,
  type TracingConfig,
  traceparentOf,
} from './tracing.ts';
export { attachGraphQLWebSocket } from './websocket.ts';
