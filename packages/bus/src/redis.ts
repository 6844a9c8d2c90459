// Redis bus (REDIS_URL set): commands on Redis Streams (XADD / XREADGROUP, one consumer
// group per consuming service), replies and events on pub/sub. Event channels carry
// JSON.stringify(payload), exactly what graphql-redis-subscriptions' RedisPubSub publishes
// and parses, so GraphQL subscriptions can listen to the engine's channels directly.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { PendingRequests } from './pending.ts';
import {
  type Bus,
  BusRemoteError,
  DEFAULT_TIMEOUT_MS,
  type Envelope,
  type PublishedEvent,
  type Reply,
  type RequestHandler,
  type RequestOptions,
  type ServeOptions,
  type Unsubscribe,
} from './types.ts';

export interface RedisBusOptions {
  /**
   * Prefix of every key and channel: streams are `${namespace}:stream:<queue>`, pub/sub
   * channels `${namespace}:<channel>`. Default `flowex`.
   */
  namespace?: string;
  /** Overrides the stream key prefix; a queue `q` lives in the stream `${prefix}q`. */
  streamPrefix?: string;
  /** Approximate cap of each stream's length (XADD MAXLEN ~). Default 100 000. */
  maxStreamLength?: number;
  /** XREADGROUP BLOCK milliseconds (also how fast `serve` stops). Default 1000. */
  blockMs?: number;
}

/**
 * PUBLISH for each (channel, message) pair of its arguments, in order: a batch of events
 * costs one command instead of one per event (messages published by a script reach
 * subscribers as usual). ioredis sends it by EVALSHA, loading it when Redis lacks it.
 */
const PUBLISH_ALL = {
  numberOfKeys: 0,
  lua: "for i = 1, #ARGV, 2 do redis.call('PUBLISH', ARGV[i], ARGV[i + 1]) end",
};
interface PublishAllCommand {
  publishAll(...channelsAndMessages: string[]): Promise<unknown>;
}

export class RedisBus implements Bus {
  readonly kind = 'redis' as const;
  readonly instanceId = randomUUID();
  private readonly commands: Redis;
  private readonly subscriber: Redis;
  private readonly replyChannel: string;
  private readonly prefix: string;
  private readonly channelPrefix: string;
  private readonly maxLen: number;
  private readonly blockMs: number;
  private readonly handlers = new Map<string, Set<(payload: unknown) => void>>();
  private readonly pending = new PendingRequests();
  private readonly stoppers = new Set<Unsubscribe>();
  private replyReady: Promise<unknown> | undefined;
  private pendingReplies = new Map<string, Reply[]>();
  /** What runs once this turn's answers are queued (`afterAnswers`). */
  private flushes: (() => void)[] = [];
  private closed = false;

  constructor(
    private readonly url: string,
    options: RedisBusOptions = {},
  ) {
    const namespace = options.namespace ?? 'flowex';
    this.prefix = options.streamPrefix ?? `${namespace}:stream:`;
    // Only a namespace given explicitly prefixes channels: bare names stay what
    // graphql-redis-subscriptions' RedisPubSub uses by default.
    this.channelPrefix = options.namespace ? `${options.namespace}:` : '';
    this.maxLen = options.maxStreamLength ?? 100_000;
    this.blockMs = options.blockMs ?? 1000;
    this.replyChannel = `flowex:reply:${this.instanceId}`;
    // Auto-pipelining: the engine publishes a dozen messages per batch; they leave in one write.
    this.commands = new Redis(url, {
      lazyConnect: false,
      maxRetriesPerRequest: null,
      enableAutoPipelining: true,
    });
    this.commands.defineCommand('publishAll', PUBLISH_ALL);
    this.subscriber = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: null });
    this.subscriber.on('message', (channel: string, message: string) =>
      this.onMessage(channel, message),
    );
    // Errors surface through rejected commands; the event only avoids unhandled noise.
    this.commands.on('error', () => {});
    this.subscriber.on('error', () => {});
  }

  /**
   * Resolves once the subscriber connection has finished its handshake. In ioredis 5 a
   * SUBSCRIBE sent before then can meet the handshake's own commands (CLIENT SETINFO, the INFO
   * ready check), which Redis refuses in subscriber mode; ioredis then reconnects without the
   * subscription, and whatever is published on it is lost (redis/ioredis#2037, fixed in
   * ioredis 6). A requester's first replies were lost this way now and then.
   */
  private subscriberReady(): Promise<void> {
    if (this.subscriber.status === 'ready') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const ready = () => {
        this.subscriber.off('end', ended);
        resolve();
      };
      const ended = () => {
        this.subscriber.off('ready', ready);
        reject(new Error('bus closed'));
      };
      this.subscriber.once('ready', ready);
      this.subscriber.once('end', ended);
    });
  }

  async publish(channel: string, payload: unknown): Promise<void> {
    await this.commands.publish(this.channelPrefix + channel, JSON.stringify(payload));
  }

  async publishAll(events: readonly PublishedEvent[]): Promise<void> {
    if (events.length === 0) return;
    if (events.length === 1) return this.publish(events[0]![0], events[0]![1]);
    const args: string[] = [];
    for (const [channel, payload] of events) {
      args.push(this.channelPrefix + channel, JSON.stringify(payload));
    }
    await (this.commands as Redis & PublishAllCommand).publishAll(...args);
  }

  async subscribe(name: string, handler: (payload: unknown) => void): Promise<Unsubscribe> {
    const channel = this.channelPrefix + name;
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
      await this.subscriberReady();
      await this.subscriber.subscribe(channel);
    }
    set.add(handler);
    return async () => {
      const s = this.handlers.get(channel);
      if (!s?.delete(handler) || s.size > 0) return;
      this.handlers.delete(channel);
      if (!this.closed) await this.subscriber.unsubscribe(channel);
    };
  }

  async request<TRes = unknown>(
    queue: string,
    payload: unknown,
    options: RequestOptions = {},
  ): Promise<TRes> {
    if (this.closed) throw new Error('bus closed');
    this.replyReady ??= this.subscriberReady()
      .then(() => this.subscriber.subscribe(this.replyChannel))
      .catch((error: unknown) => {
        this.replyReady = undefined; // try again with the next request
        throw error;
      });
    try {
      await this.replyReady;
    } catch (error) {
      if (!this.closed) throw error;
    }
    // Closed meanwhile: say so, as to the requests already waiting.
    if (this.closed) throw new Error('bus closed');
    const id = randomUUID();
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const envelope: Envelope = { id, replyTo: this.replyChannel, payload };
    if (options.traceparent) envelope.traceparent = options.traceparent;
    const answer = this.pending.wait<TRes>(id, queue, timeoutMs);
    // Handled here too: a timeout shorter than the XADD would otherwise reject it unobserved.
    answer.catch(() => {});
    try {
      await this.commands.xadd(
        this.prefix + queue,
        'MAXLEN',
        '~',
        String(this.maxLen),
        '*',
        'm',
        JSON.stringify(envelope),
      );
    } catch (error) {
      this.pending.settle(id, { error: error as Error });
    }
    return answer;
  }

  async serve<TReq = unknown, TRes = unknown>(
    queue: string,
    handler: RequestHandler<TReq, TRes>,
    options: ServeOptions = {},
  ): Promise<Unsubscribe> {
    const stream = this.prefix + queue;
    const group = options.group ?? 'engine';
    const consumer = options.consumer ?? this.instanceId;
    const createGroup = async () => {
      try {
        await this.commands.xgroup('CREATE', stream, group, '$', 'MKSTREAM');
      } catch (error) {
        if (!String((error as Error).message).includes('BUSYGROUP')) throw error;
      }
    };
    await createGroup();
    // A blocking read needs its own connection.
    const reader = new Redis(this.url, { maxRetriesPerRequest: null });
    reader.on('error', () => {});
    let running = true;
    // Entries answered in the same turn are acknowledged together: one XACK, not one each,
    // and in the same write as the turn's replies (see `afterAnswers`).
    let answered: string[] = [];
    const flushAcks = () => {
      const ids = answered;
      answered = [];
      this.commands.xack(stream, group, ...ids).catch(() => {});
    };
    const ack = (entryId: string) => {
      if (answered.length === 0) this.afterAnswers(flushAcks);
      answered.push(entryId);
    };
    const loop = (async () => {
      while (running) {
        let batch: unknown;
        try {
          batch = await reader.xreadgroup(
            'GROUP',
            group,
            consumer,
            'COUNT',
            '1000',
            'BLOCK',
            String(this.blockMs),
            'STREAMS',
            stream,
            '>',
          );
        } catch (error) {
          if (!running) break;
          await new Promise((r) => setTimeout(r, 200));
          // The stream (and its group) vanished, e.g. deleted by an operator: recreate.
          if (String((error as Error).message).includes('NOGROUP'))
            await createGroup().catch(() => {});
          continue;
        }
        if (!batch) continue;
        for (const [, entries] of batch as [string, [string, string[]][]][]) {
          for (const [entryId, fields] of entries) {
            const raw = fields[fields.indexOf('m') + 1];
            let envelope: Envelope;
            try {
              envelope = JSON.parse(raw ?? '') as Envelope;
            } catch {
              await this.commands.xack(stream, group, entryId);
              continue;
            }
            this.dispatch(handler as RequestHandler, envelope, () => ack(entryId));
          }
        }
      }
    })();
    const stop: Unsubscribe = async () => {
      if (!running) return;
      running = false;
      this.stoppers.delete(stop);
      reader.disconnect();
      await loop;
    };
    this.stoppers.add(stop);
    return stop;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.stoppers].map((s) => s()));
    this.flushReplies(); // answers already given still reach their requesters
    this.pending.failAll(new Error('bus closed'));
    this.subscriber.disconnect();
    await this.commands.quit().catch(() => this.commands.disconnect());
  }

  private dispatch(handler: RequestHandler, envelope: Envelope, ack: () => void) {
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
      (value) => this.reply(envelope, ack, { id: envelope.id, ok: true, result: value }),
      (error: unknown) =>
        this.reply(envelope, ack, {
          id: envelope.id,
          ok: false,
          error: error instanceof Error ? error.message : String(error),
        }),
    );
  }

  private reply(envelope: Envelope, ack: () => void, reply: Reply) {
    ack();
    if (envelope.replyTo && !this.closed) this.queueReply(envelope.replyTo, reply);
  }

  /**
   * Replies answered in the same turn (a settled batch answers hundreds at once) leave as one
   * message per requester: an array, one publish and one parse instead of one per command.
   */
  private queueReply(channel: string, reply: Reply) {
    let replies = this.pendingReplies.get(channel);
    if (!replies) {
      if (this.pendingReplies.size === 0) this.afterAnswers(this.flushReplies);
      replies = [];
      this.pendingReplies.set(channel, replies);
    }
    replies.push(reply);
  }

  /**
   * Runs `flush` once the answers given in this turn have been queued: as a microtask, so that
   * the acknowledgements and replies join the commands already issued in the turn (the
   * engine's publication of the batch) in ioredis's auto-pipeline, which leaves on the next
   * tick — one write to Redis and one answer back per settled batch instead of three.
   */
  private afterAnswers(flush: () => void) {
    if (this.flushes.length === 0) queueMicrotask(this.runFlushes);
    this.flushes.push(flush);
  }

  private readonly runFlushes = () => {
    const flushes = this.flushes;
    this.flushes = [];
    for (const flush of flushes) flush();
  };

  private readonly flushReplies = () => {
    const pending = this.pendingReplies;
    this.pendingReplies = new Map();
    for (const [channel, replies] of pending) {
      const message = JSON.stringify(replies.length === 1 ? replies[0] : replies);
      this.commands.publish(channel, message).catch(() => {});
    }
  };

  private onMessage(channel: string, message: string) {
    if (channel === this.replyChannel) {
      let replies: Reply | Reply[];
      try {
        replies = JSON.parse(message) as Reply | Reply[];
      } catch {
        return;
      }
      for (const reply of Array.isArray(replies) ? replies : [replies]) {
        this.pending.settle(
          reply.id,
          reply.ok
            ? { result: reply.result }
            : { error: new BusRemoteError(reply.error ?? 'remote error') },
        );
      }
      return;
    }
    const set = this.handlers.get(channel);
    if (!set) return;
    let payload: unknown;
    try {
      payload = JSON.parse(message);
    } catch {
      return;
    }
    for (const h of set) h(payload);
  }
}
