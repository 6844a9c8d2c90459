// The graphql-ws protocol (graphql-transport-ws) on the gateway's /graphql, written against
// `ws` directly so an event serialized once reaches every subscriber with only its id
// spliced in. connection_init carries {"authorization": "Bearer …"}; the token is verified,
// forwarded upstream, and when it expires the connection's subscriptions are closed.
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { failed, type Logger, SpanKind } from '@flowex/server';
import { type WebSocket, WebSocketServer } from 'ws';
import type { GatewayCore } from '../gateway.ts';
import { authorizationFromPayload, InvalidTokenError, type TokenVerifier } from '../identity.ts';
import type { GatewayMetrics } from '../metrics.ts';
import { coerceVariables, spanName } from '../operations.ts';
import {
  type ClientError,
  type Limits,
  maskError,
  RateLimitedError,
  type RateLimits,
} from '../protection.ts';
import type { SubscriptionExecutor } from './executor.ts';

export const GRAPHQL_TRANSPORT_WS = 'graphql-transport-ws';

export const CloseCode = {
  BadRequest: 4400,
  Unauthorized: 4401,
  Forbidden: 4403,
  SubprotocolNotAcceptable: 4406,
  ConnectionInitialisationTimeout: 4408,
  SubscriberAlreadyExists: 4409,
  TooManyInitialisationRequests: 4429,
  TryAgainLater: 1013,
} as const;

/** A client that cannot keep up is cut off rather than buffered without bound. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

/**
 * Fan-out: one event goes to thousands of sockets as the same `next` message whenever the
 * subscribers chose the same id (most clients number subscriptions 1, 2, …). The WebSocket
 * frame is then built once and written to each socket as is. Frames are only ever written
 * whole (no compression, no fragmentation), so this interleaves safely with `ws`'s own.
 */
const frameCache = new Map<string, { payload: string; frame: Buffer }>();

/** One unmasked, unfragmented WebSocket text frame (server → client). */
export function textFrame(text: string): Buffer {
  const data = Buffer.from(text, 'utf8');
  const length = data.length;
  const header = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + length);
  frame[0] = 0x81; // FIN + text
  if (length < 126) {
    frame[1] = length;
  } else if (length < 65_536) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  data.copy(frame, header);
  return frame;
}

/**
 * Event frames are not written in the event's own tick but by a flusher that walks the
 * connections with pending frames in slices. Sockets cost one write (syscall) each however
 * many frames wait, so when events arrive faster than 10,000 sockets can be written, frames
 * for a socket coalesce into one write instead of queueing behind each other.
 */
interface Outbox {
  ws: WebSocket;
  socket: import('node:net').Socket;
  pending: Buffer[];
}

class Flusher {
  private readonly dirty = new Set<Outbox>();
  private scheduled = false;
  private readonly slice = 2_000;

  push(outbox: Outbox, frame: Buffer) {
    outbox.pending.push(frame);
    this.dirty.add(outbox);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
  }

  /** Writes what waits for one socket now (before a message that must follow it). */
  drain(outbox: Outbox) {
    if (!outbox.pending.length) return;
    this.dirty.delete(outbox);
    write(outbox);
  }

  private readonly flush = () => {
    this.scheduled = false;
    let n = 0;
    for (const outbox of this.dirty) {
      this.dirty.delete(outbox);
      write(outbox);
      if (++n >= this.slice && this.dirty.size) {
        this.scheduled = true;
        setImmediate(this.flush);
        return;
      }
    }
  };
}

function write(outbox: Outbox) {
  const { pending } = outbox;
  // Nothing may follow a close frame.
  if (outbox.ws.readyState === outbox.ws.OPEN && !outbox.socket.destroyed) {
    outbox.socket.write(pending.length === 1 ? pending[0]! : Buffer.concat(pending));
  }
  outbox.pending = [];
}

function sharedNextFrame(idJson: string, payload: string): Buffer {
  const cached = frameCache.get(idJson);
  if (cached && cached.payload === payload) return cached.frame;
  const frame = textFrame(`{"id":${idJson},"type":"next","payload":${payload}}`);
  if (frameCache.size > 64) frameCache.clear();
  frameCache.set(idJson, { payload, frame });
  return frame;
}

export interface WsDeps {
  core: GatewayCore;
  executor: SubscriptionExecutor;
  verifier: TokenVerifier;
  rateLimits: RateLimits;
  limits: Limits;
  production: boolean;
  metrics: GatewayMetrics;
  logger: Logger;
}

export function attachSubscriptionServer(server: Server, deps: WsDeps): { close(): void } {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: deps.limits.maxBodyBytes,
    perMessageDeflate: false,
    handleProtocols: (protocols) =>
      protocols.has(GRAPHQL_TRANSPORT_WS) ? GRAPHQL_TRANSPORT_WS : false,
  });
  const perIp = new Map<string, number>();
  const flusher = new Flusher();

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (path !== '/graphql' && path !== '/') {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    const ip = req.socket.remoteAddress ?? 'unknown';
    const open = perIp.get(ip) ?? 0;
    if (open >= deps.limits.maxSocketsPerIp) {
      deps.metrics.rejected.labels('ws_connections_per_ip').inc();
      socket.end(
        'HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\nToo many WebSocket connections from this address',
      );
      return;
    }
    // A connection attempt counts against the IP's request rate like an HTTP request.
    deps.rateLimits.ip(ip).then(
      () => accept(req, socket, head, ip),
      (error: unknown) => {
        deps.metrics.rejected
          .labels(error instanceof RateLimitedError ? 'rate_limited' : 'error')
          .inc();
        socket.end(
          'HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\nRATE_LIMITED',
        );
      },
    );
  };
  const accept = (req: IncomingMessage, socket: Duplex, head: Buffer, ip: string) => {
    if (socket.destroyed) return;
    if ((perIp.get(ip) ?? 0) >= deps.limits.maxSocketsPerIp) {
      socket.end('HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\n\r\n');
      return;
    }
    // Counted from the upgrade on; a handshake that fails never reaches the callback.
    perIp.set(ip, (perIp.get(ip) ?? 0) + 1);
    socket.once('close', () => {
      const n = (perIp.get(ip) ?? 1) - 1;
      if (n <= 0) perIp.delete(ip);
      else perIp.set(ip, n);
    });
    wss.handleUpgrade(req, socket, head, (ws) => {
      deps.metrics.openSockets.inc();
      ws.once('close', () => deps.metrics.openSockets.dec());
      handleConnection(ws, deps, flusher);
    });
  };
  server.on('upgrade', onUpgrade);
  return {
    close() {
      server.off('upgrade', onUpgrade);
      for (const ws of wss.clients) ws.terminate();
      wss.close();
    },
  };
}

function handleConnection(ws: WebSocket, deps: WsDeps, flusher: Flusher) {
  if (ws.protocol !== GRAPHQL_TRANSPORT_WS) {
    ws.close(CloseCode.SubprotocolNotAcceptable, 'Subprotocol not acceptable');
    return;
  }
  let initReceived = false;
  let acknowledged = false;
  let authorization: string | undefined;
  let expiryTimer: NodeJS.Timeout | undefined;
  const subscriptions = new Map<string, () => void>();

  const initTimer = setTimeout(() => {
    if (!acknowledged)
      ws.close(CloseCode.ConnectionInitialisationTimeout, 'Connection initialisation timeout');
  }, deps.limits.connectionInitTimeoutMs);

  const socket = (ws as unknown as { _socket?: import('node:net').Socket })._socket;
  const writable = () => {
    if (ws.readyState !== ws.OPEN) return false;
    if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      ws.close(CloseCode.TryAgainLater, 'Slow consumer');
      return false;
    }
    return true;
  };
  const outbox: Outbox | undefined = socket ? { ws, socket, pending: [] } : undefined;
  const send = (text: string) => {
    if (!writable()) return;
    if (outbox) flusher.drain(outbox); // keep order: queued events go first
    ws.send(text);
  };
  const sendFrame = (frame: Buffer) => {
    if (!writable()) return;
    if (outbox) flusher.push(outbox, frame);
    else ws.send(frame.subarray(frame[1] === 126 ? 4 : frame[1] === 127 ? 10 : 2).toString('utf8'));
  };
  const sendErrors = (id: string, errors: ClientError[]) =>
    send(
      `{"id":${JSON.stringify(id)},"type":"error","payload":${JSON.stringify(
        errors.map((e) => maskError(e, deps.production)),
      )}}`,
    );

  const releaseAll = () => {
    for (const release of subscriptions.values()) release();
    subscriptions.clear();
  };

  ws.on('close', () => {
    clearTimeout(initTimer);
    clearTimeout(expiryTimer);
    releaseAll();
  });
  ws.on('error', () => ws.terminate());

  ws.on('message', (raw, isBinary) => {
    let message: { type?: unknown; id?: unknown; payload?: unknown };
    try {
      message = JSON.parse(isBinary ? Buffer.from(raw as Buffer).toString('utf8') : String(raw));
    } catch {
      return ws.close(CloseCode.BadRequest, 'Invalid message received');
    }
    if (!message || typeof message !== 'object' || typeof message.type !== 'string') {
      return ws.close(CloseCode.BadRequest, 'Invalid message received');
    }
    switch (message.type) {
      case 'connection_init':
        if (initReceived) {
          return ws.close(
            CloseCode.TooManyInitialisationRequests,
            'Too many initialisation requests',
          );
        }
        initReceived = true;
        void init(message.payload);
        return;
      case 'ping':
        return send(
          message.payload === undefined
            ? '{"type":"pong"}'
            : JSON.stringify({ type: 'pong', payload: message.payload }),
        );
      case 'pong':
        return;
      case 'subscribe': {
        if (!acknowledged) return ws.close(CloseCode.Unauthorized, 'Unauthorized');
        const { id, payload } = message as { id?: unknown; payload?: Record<string, unknown> };
        if (typeof id !== 'string' || !id || !payload || typeof payload.query !== 'string') {
          return ws.close(CloseCode.BadRequest, 'Invalid message received');
        }
        if (subscriptions.has(id)) {
          return ws.close(CloseCode.SubscriberAlreadyExists, `Subscriber for ${id} already exists`);
        }
        subscribe(id, payload);
        return;
      }
      case 'complete': {
        const id = message.id;
        if (typeof id !== 'string')
          return ws.close(CloseCode.BadRequest, 'Invalid message received');
        const release = subscriptions.get(id);
        subscriptions.delete(id);
        release?.();
        return;
      }
      default:
        return ws.close(
          CloseCode.BadRequest,
          `Unexpected message of type ${message.type} received`,
        );
    }
  });

  async function init(payload: unknown) {
    authorization = authorizationFromPayload(payload);
    try {
      const identity = await deps.verifier.fromAuthorization(authorization);
      if (identity) {
        const ms = Math.min(identity.expiresAt * 1000 - Date.now(), 2 ** 31 - 1);
        expiryTimer = setTimeout(
          () => {
            // Every subscription ends with an error, then the connection closes.
            for (const id of subscriptions.keys()) {
              sendErrors(id, [
                { message: 'Access token expired', extensions: { code: 'UNAUTHENTICATED' } },
              ]);
            }
            releaseAll();
            ws.close(CloseCode.Forbidden, 'Access token expired');
          },
          Math.max(0, ms),
        );
      }
    } catch (error) {
      if (error instanceof InvalidTokenError) {
        return ws.close(CloseCode.Forbidden, 'Forbidden: invalid access token');
      }
      deps.logger.error({ err: error }, 'connection_init failed');
      return ws.close(1011, 'Internal error');
    }
    if (ws.readyState !== ws.OPEN) return;
    clearTimeout(initTimer);
    acknowledged = true;
    send('{"type":"connection_ack"}');
  }

  function subscribe(id: string, payload: Record<string, unknown>) {
    if (subscriptions.size >= deps.limits.maxSubscriptionsPerSocket) {
      deps.metrics.rejected.labels('subscriptions_per_socket').inc();
      return sendErrors(id, [
        {
          message: `At most ${deps.limits.maxSubscriptionsPerSocket} subscriptions per connection`,
          extensions: { code: 'RATE_LIMITED' },
        },
      ]);
    }
    const operationName =
      typeof payload.operationName === 'string' ? payload.operationName : undefined;
    const prepared = deps.core.cache.get(payload.query as string, operationName);
    prepared.metrics.requests.inc();
    if (prepared.kind === 'invalid') {
      prepared.metrics.errors.inc();
      return sendErrors(id, prepared.errors);
    }
    const coerced = coerceVariables(deps.core.schema, prepared, payload.variables);
    if ('errors' in coerced) {
      prepared.metrics.errors.inc();
      return sendErrors(id, coerced.errors);
    }
    const idJson = JSON.stringify(id);
    if (prepared.kind !== 'subscription') {
      // Queries and mutations over the socket: one result, then complete.
      const done = () => subscriptions.delete(id);
      subscriptions.set(id, done);
      // Its own trace (a socket's messages carry no trace context), as over HTTP.
      const span = deps.core.tracing.start(spanName(prepared), undefined, {
        kind: SpanKind.SERVER,
      });
      const result = deps.core.execute(prepared, coerced.variables, authorization, undefined, span);
      void result
        .catch((error: unknown) => {
          failed(span, error);
          throw error;
        })
        .finally(() => span?.end())
        .then(
          (result) => {
            if (!subscriptions.has(id)) return;
            done();
            const errors = result.errors?.map((e) => maskError(e, deps.production));
            send(
              `{"id":${idJson},"type":"next","payload":${JSON.stringify(errors ? { errors, data: result.data } : { data: result.data })}}`,
            );
            send(`{"id":${idJson},"type":"complete"}`);
          },
          (error: unknown) => {
            done();
            sendErrors(id, [{ message: (error as Error).message }]);
          },
        );
      return;
    }
    let ended = false;
    const release = deps.executor.subscribe(prepared, coerced.variables, authorization, {
      next: (eventPayload) => sendFrame(sharedNextFrame(idJson, eventPayload)),
      error: (errors) => {
        ended = true;
        subscriptions.delete(id);
        release();
        sendErrors(id, errors);
      },
      complete: () => {
        ended = true;
        subscriptions.delete(id);
        release();
        send(`{"id":${idJson},"type":"complete"}`);
      },
    });
    if (!ended) subscriptions.set(id, release);
  }
}
