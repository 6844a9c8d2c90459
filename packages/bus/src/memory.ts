// In-process bus (embedded mode): the same semantics as the Redis bus — JSON payloads,
// commands queued until a consumer serves them, replies by correlation id — without I/O.
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { PendingRequests } from './pending.ts';
import {
  type Bus,
  BusRemoteError,
  DEFAULT_TIMEOUT_MS,
  type Envelope,
  jsonClone,
  type PublishedEvent,
  type RequestHandler,
  type RequestOptions,
  type Unsubscribe,
} from './types.ts';

interface Queue {
  pending: Envelope[];
  handler?: RequestHandler;
}

export class MemoryBus implements Bus {
  readonly kind = 'memory' as const;
  private readonly events = new EventEmitter();
  private readonly queues = new Map<string, Queue>();
  private readonly pending = new PendingRequests();
  private closed = false;

  constructor() {
    this.events.setMaxListeners(0);
  }

  async publish(channel: string, payload: unknown): Promise<void> {
    // Like Redis, a message nobody subscribes to is dropped — before paying for its copy.
    if (this.closed || this.events.listenerCount(`pub:${channel}`) === 0) return;
    const copy = jsonClone(payload);
    // Asynchronous like Redis: a publisher never runs subscriber code on its own stack.
    queueMicrotask(() => this.events.emit(`pub:${channel}`, copy));
  }

  async publishAll(events: readonly PublishedEvent[]): Promise<void> {
    await Promise.all(events.map(([channel, payload]) => this.publish(channel, payload)));
  }

  async subscribe(channel: string, handler: (payload: unknown) => void): Promise<Unsubscribe> {
    const listener = (payload: unknown) => handler(payload);
    this.events.on(`pub:${channel}`, listener);
    return async () => {
      this.events.off(`pub:${channel}`, listener);
    };
  }

  request<TRes = unknown>(
    queue: string,
    payload: unknown,
    options: RequestOptions = {},
  ): Promise<TRes> {
    if (this.closed) return Promise.reject(new Error('bus closed'));
    const id = randomUUID();
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const envelope: Envelope = { id, payload: jsonClone(payload), replyTo: 'local' };
    if (options.traceparent) envelope.traceparent = options.traceparent;
    const answer = this.pending.wait<TRes>(id, queue, timeoutMs);
    const q = this.queue(queue);
    if (q.handler) this.dispatch(q.handler, envelope);
    else q.pending.push(envelope);
    return answer;
  }

  async serve<TReq = unknown, TRes = unknown>(
    queue: string,
    handler: RequestHandler<TReq, TRes>,
  ): Promise<Unsubscribe> {
    const q = this.queue(queue);
    if (q.handler) throw new Error(`queue ${queue} already has a consumer`);
    q.handler = handler as RequestHandler;
    const backlog = q.pending.splice(0);
    for (const envelope of backlog) this.dispatch(q.handler, envelope);
    return async () => {
      if (q.handler === (handler as RequestHandler)) q.handler = undefined;
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.events.removeAllListeners();
    this.pending.failAll(new Error('bus closed'));
  }

  private queue(name: string): Queue {
    let q = this.queues.get(name);
    if (!q) {
      q = { pending: [] };
      this.queues.set(name, q);
    }
    return q;
  }

  private dispatch(handler: RequestHandler, envelope: Envelope) {
    const meta = envelope.traceparent
      ? { id: envelope.id, traceparent: envelope.traceparent }
      : { id: envelope.id };
    let result: Promise<unknown>;
    try {
      result = Promise.resolve(handler(envelope.payload, meta));
    } catch (error) {
      result = Promise.reject(error);
    }
    result.then(
      (value) => this.pending.settle(envelope.id, { result: jsonClone(value) }),
      (error: unknown) =>
        this.pending.settle(envelope.id, {
          error: new BusRemoteError(error instanceof Error ? error.message : String(error)),
        }),
    );
  }
}
