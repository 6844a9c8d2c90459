// HTTP to subgraphs: one keep-alive undici pool per subgraph, a timeout on every call and a
// circuit breaker that fails fast (SUBGRAPH_UNAVAILABLE) while a subgraph is down.
import { Pool } from 'undici';
import type { GatewayMetrics } from './metrics.ts';

export interface SubgraphResponse {
  data?: Record<string, unknown> | null;
  errors?: Array<{
    message: string;
    path?: (string | number)[];
    extensions?: Record<string, unknown>;
  }>;
}

export interface BreakerOptions {
  /** Consecutive failures that open the circuit. */
  failureThreshold: number;
  /** How long an open circuit fails fast before one trial request is let through. */
  resetMs: number;
}

export class SubgraphUnavailableError extends Error {
  override name = 'SubgraphUnavailableError';
  readonly code = 'SUBGRAPH_UNAVAILABLE';
  constructor(
    readonly subgraph: string,
    reason: string,
  ) {
    super(`Subgraph "${subgraph}" is unavailable: ${reason}`);
  }
}

export class CircuitBreaker {
  private failures = 0;
  private openedAt = 0;
  private state: 'closed' | 'open' | 'half-open' = 'closed';
  private trialInFlight = false;

  constructor(private readonly options: BreakerOptions) {}

  get isOpen(): boolean {
    return this.state !== 'closed';
  }

  /** Throws when the call must fail fast; otherwise returns whether this call is the trial. */
  admit(): boolean {
    if (this.state === 'closed') return false;
    if (this.state === 'open' && Date.now() - this.openedAt >= this.options.resetMs) {
      this.state = 'half-open';
    }
    if (this.state === 'half-open' && !this.trialInFlight) {
      this.trialInFlight = true;
      return true;
    }
    throw new Error('circuit open');
  }

  success() {
    this.failures = 0;
    this.state = 'closed';
    this.trialInFlight = false;
  }

  failure() {
    this.failures++;
    this.trialInFlight = false;
    if (this.state === 'half-open' || this.failures >= this.options.failureThreshold) {
      this.state = 'open';
      this.openedAt = Date.now();
    }
  }
}

/** What a subgraph call carries of the client's request. */
export interface UpstreamCaller {
  authorization: string | undefined;
  clientIp?: string | undefined;
  traceparent?: string | undefined;
}

export interface SubgraphClientOptions {
  name: string;
  url: string;
  timeoutMs: number;
  breaker: BreakerOptions;
  metrics: GatewayMetrics;
  connections?: number;
}

export class SubgraphClient {
  readonly name: string;
  readonly url: URL;
  readonly breaker: CircuitBreaker;
  private readonly pool: Pool;
  private readonly path: string;
  private readonly timeoutMs: number;
  private readonly okTimer;
  private readonly failTimer;

  constructor(options: SubgraphClientOptions) {
    this.name = options.name;
    this.url = new URL(options.url);
    this.path = `${this.url.pathname}${this.url.search}`;
    this.timeoutMs = options.timeoutMs;
    this.breaker = new CircuitBreaker(options.breaker);
    this.pool = new Pool(this.url.origin, {
      connections: options.connections ?? 128,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 60_000,
      connectTimeout: Math.min(options.timeoutMs, 5_000),
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
    this.okTimer = options.metrics.subgraphDuration.labels(options.name, 'ok');
    this.failTimer = options.metrics.subgraphDuration.labels(options.name, 'error');
  }

  /**
   * POSTs an already serialized GraphQL request body. `clientIp` goes upstream as
   * X-Forwarded-For so per-IP rules there (login limits) see the real client; `traceparent`
   * continues the request's trace there.
   */
  async send(body: string, caller: UpstreamCaller): Promise<SubgraphResponse> {
    try {
      this.breaker.admit();
    } catch {
      throw new SubgraphUnavailableError(this.name, 'circuit open after repeated failures');
    }
    const started = performance.now();
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json',
    };
    if (caller.authorization) headers.authorization = caller.authorization;
    if (caller.clientIp) headers['x-forwarded-for'] = caller.clientIp;
    if (caller.traceparent) headers.traceparent = caller.traceparent;
    let result: SubgraphResponse;
    try {
      const response = await this.pool.request({
        path: this.path,
        method: 'POST',
        headers,
        body,
      });
      const text = await response.body.text();
      if (response.statusCode >= 502) {
        throw new Error(`HTTP ${response.statusCode}`);
      }
      try {
        result = JSON.parse(text) as SubgraphResponse;
      } catch {
        throw new Error(`HTTP ${response.statusCode} with a body that is not JSON`);
      }
    } catch (error) {
      this.breaker.failure();
      this.failTimer.observe((performance.now() - started) / 1000);
      throw new SubgraphUnavailableError(this.name, describe(error));
    }
    this.breaker.success();
    this.okTimer.observe((performance.now() - started) / 1000);
    return result;
  }

  /** The subgraph's own readiness (its /ready checks its database). */
  async ready(timeoutMs = 1_000): Promise<boolean> {
    try {
      const response = await this.pool.request({
        path: '/ready',
        method: 'GET',
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      await response.body.dump();
      return response.statusCode === 200;
    } catch {
      return false;
    }
  }

  close(): Promise<void> {
    return this.pool.destroy();
  }
}

function describe(error: unknown): string {
  const e = error as { code?: string; message?: string };
  if (e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT') return 'timeout';
  if (e.code === 'UND_ERR_CONNECT_TIMEOUT') return 'connect timeout';
  if (e.code === 'ECONNREFUSED') return 'connection refused';
  return e.code ?? e.message ?? String(error);
}
