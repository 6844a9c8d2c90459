// The one messaging interface of FlowEx. Two implementations: in-process (embedded mode,
// everything in one Node process) and Redis (Streams for commands, pub/sub for events).
// Payloads are JSON values: both implementations JSON-encode them, so code that works
// in-process works over Redis (no bigints, no Dates, no class instances).

export type Unsubscribe = () => Promise<void>;

export interface RequestOptions {
  /** Reject with BusTimeoutError after this long (the request may still be processed). */
  timeoutMs?: number;
  /** W3C trace context (`traceparent` header value) carried with the command. */
  traceparent?: string;
}

export interface RequestMeta {
  /** Correlation id of the request. */
  id: string;
  traceparent?: string;
}

export type RequestHandler<TReq = unknown, TRes = unknown> = (
  payload: TReq,
  meta: RequestMeta,
) => Promise<TRes> | TRes;

export interface ServeOptions {
  /** Consumer group (Redis); every group gets every command once. Default `engine`. */
  group?: string;
  /** Consumer name inside the group (Redis). Default: this bus instance's id. */
  consumer?: string;
}

/** One event for `Bus.publishAll`: its channel and its payload. */
export type PublishedEvent = readonly [channel: string, payload: unknown];

export interface Bus {
  readonly kind: 'memory' | 'redis';
  /** Fire-and-forget event on a pub/sub channel (graphql-redis-subscriptions compatible). */
  publish(channel: string, payload: unknown): Promise<void>;
  /**
   * Several events at once, delivered in the given order exactly as `publish` one after the
   * other would deliver them (through Redis: one round trip and one command for all).
   */
  publishAll(events: readonly PublishedEvent[]): Promise<void>;
  subscribe(channel: string, handler: (payload: unknown) => void): Promise<Unsubscribe>;
  /**
   * Durable command queue with a reply: resolves with the handler's answer, rejects with
   * BusTimeoutError when none came in time (the command stays queued and is processed).
   */
  request<TRes = unknown>(queue: string, payload: unknown, options?: RequestOptions): Promise<TRes>;
  /**
   * Handle a queue's commands. The handler is called in queue order, without waiting for the
   * previous call's promise (so a consumer can group-commit); each reply is sent when its
   * promise settles. A handler that throws sends an error reply.
   */
  serve<TReq = unknown, TRes = unknown>(
    queue: string,
    handler: RequestHandler<TReq, TRes>,
    options?: ServeOptions,
  ): Promise<Unsubscribe>;
  close(): Promise<void>;
}

export class BusTimeoutError extends Error {
  override name = 'BusTimeoutError';
  constructor(
    readonly queue: string,
    readonly id: string,
    readonly timeoutMs: number,
  ) {
    super(`no reply on ${queue} for request ${id} within ${timeoutMs} ms`);
  }
}

export class BusRemoteError extends Error {
  override name = 'BusRemoteError';
}

export const DEFAULT_TIMEOUT_MS = 5000;

/** Envelope of a command on a queue. */
export interface Envelope {
  id: string;
  replyTo?: string;
  traceparent?: string;
  payload: unknown;
}

/** Envelope of a reply. */
export interface Reply {
  id: string;
  ok: boolean;
  result?: unknown;
  error?: string;
}

export function jsonClone<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}
