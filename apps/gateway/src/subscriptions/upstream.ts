// Subscriptions on subgraphs, over graphql-ws on the subgraph's own /graphql URL. One
// connection per (subgraph, caller token), one upstream subscription per distinct
// (subgraph, token, operation, variables) however many clients share it. An upstream that
// drops ends its listeners with an error; nothing retries silently.
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { SubgraphResponse } from '../fetcher.ts';
import type { GatewayMetrics } from '../metrics.ts';
import type { ClientError } from '../protection.ts';

export interface UpstreamListener {
  next(result: SubgraphResponse): void;
  error(errors: ClientError[]): void;
  complete(): void;
}

interface SharedUpstream {
  listeners: Set<UpstreamListener>;
  dispose: () => void;
  /** Which connection carries it, and how it ends when that connection drops. */
  connection: string;
  fail: (errors: ClientError[]) => void;
}

export class UpstreamPool {
  private readonly clients = new Map<string, Client>();
  private readonly shared = new Map<string, SharedUpstream>();
  private unshared = 0;

  constructor(
    private readonly urlFor: (subgraph: string) => string | undefined,
    private readonly metrics: GatewayMetrics,
  ) {}

  get size(): number {
    return this.shared.size;
  }

  subscribe(
    subgraph: string,
    authorization: string | undefined,
    query: string,
    variables: Record<string, unknown>,
    shared: boolean,
    listener: UpstreamListener,
  ): () => void {
    const key = `${subgraph}\0${authorization ?? ''}\0${query}\0${JSON.stringify(variables)}${
      shared ? '' : `\0${++this.unshared}`
    }`;
    let entry = this.shared.get(key);
    if (!entry) {
      entry = this.open(key, subgraph, authorization, query, variables);
      if (!entry) {
        listener.error([unavailable(subgraph, 'unknown subgraph')]);
        return () => {};
      }
    }
    const current = entry;
    current.listeners.add(listener);
    return () => {
      if (!current.listeners.delete(listener)) return;
      if (current.listeners.size === 0 && this.shared.get(key) === current) {
        this.shared.delete(key);
        this.metrics.upstreamSubscriptions.dec();
        current.dispose();
      }
    };
  }

  private open(
    key: string,
    subgraph: string,
    authorization: string | undefined,
    query: string,
    variables: Record<string, unknown>,
  ): SharedUpstream | undefined {
    const client = this.client(subgraph, authorization);
    if (!client) return undefined;
    const listeners = new Set<UpstreamListener>();
    let ended = false;
    const end = (fn: (l: UpstreamListener) => void) => {
      if (ended) return;
      ended = true;
      if (this.shared.get(key) === entry) {
        this.shared.delete(key);
        this.metrics.upstreamSubscriptions.dec();
      }
      for (const l of [...listeners]) fn(l);
      listeners.clear();
    };
    const entry: SharedUpstream = {
      listeners,
      dispose: () => {
        ended = true;
        unsubscribe();
      },
      connection: `${subgraph}\0${authorization ?? ''}`,
      fail: (errors) => end((l) => l.error(errors)),
    };
    this.shared.set(key, entry);
    this.metrics.upstreamSubscriptions.inc();
    const unsubscribe = client.subscribe<Record<string, unknown>>(
      { query, variables },
      {
        next: (result) => {
          for (const l of listeners) l.next(result as SubgraphResponse);
        },
        error: (error) => {
          const errors = Array.isArray(error)
            ? (error as ClientError[])
            : [unavailable(subgraph, describe(error))];
          end((l) => l.error(errors));
        },
        complete: () => end((l) => l.complete()),
      },
    );
    return entry;
  }

  private client(subgraph: string, authorization: string | undefined): Client | undefined {
    const key = `${subgraph}\0${authorization ?? ''}`;
    let client = this.clients.get(key);
    if (client) return client;
    const httpUrl = this.urlFor(subgraph);
    if (!httpUrl) return undefined;
    const created = createClient({
      url: httpUrl.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      lazy: true,
      // Keep an idle connection briefly: a subscription opened right after the last one
      // closed reuses it instead of racing its close.
      lazyCloseTimeout: 5_000,
      retryAttempts: 0,
      shouldRetry: () => false,
      keepAlive: 10_000,
      connectionParams: authorization ? { authorization } : {},
      on: {
        // A dead connection is never reused: the next subscriber gets a fresh one.
        // A subgraph closing the socket — even "going away" — while subscriptions are still
        // wanted is a drop: their clients get an error, not a silent complete.
        closed: (event) => {
          if (this.clients.get(key) === created) this.clients.delete(key);
          for (const entry of [...this.shared.values()]) {
            if (entry.connection === key) entry.fail([unavailable(subgraph, describe(event))]);
          }
          void created.dispose();
        },
      },
    });
    client = created;
    this.clients.set(key, client);
    return client;
  }

  async close() {
    for (const entry of this.shared.values()) entry.dispose();
    this.shared.clear();
    await Promise.all([...this.clients.values()].map((c) => c.dispose()));
    this.clients.clear();
  }
}

function unavailable(subgraph: string, reason: string): ClientError {
  return {
    message: `Subscription source "${subgraph}" ended unexpectedly: ${reason}`,
    extensions: { code: 'SUBGRAPH_UNAVAILABLE', serviceName: subgraph },
  };
}

function describe(error: unknown): string {
  const e = error as { code?: number; reason?: string; message?: string; type?: string };
  if (typeof e.code === 'number')
    return `connection closed (${e.code}${e.reason ? ` ${e.reason}` : ''})`;
  if (e.message) return e.message;
  if (e.type === 'error') return 'connection failed';
  return String(error);
}
