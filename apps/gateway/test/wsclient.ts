// A minimal graphql-ws (graphql-transport-ws) test client over `ws`, exposing every message
// and the close code.
import WebSocket from 'ws';

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary payloads
export type Msg = { id?: string; type: string; payload?: any };

export interface TestSocket {
  ws: WebSocket;
  messages: Array<Msg>;
  closed: Promise<{ code: number; reason: string }>;
  /** Resolves with the first message (already received or future) matching `match`. */
  wait(match: (m: Msg) => boolean, timeoutMs?: number): Promise<Msg>;
  subscribe(id: string, query: string, variables?: Record<string, unknown>): void;
  complete(id: string): void;
  close(): void;
}

export function openSocket(url: string): Promise<TestSocket> {
  const ws = new WebSocket(url, 'graphql-transport-ws');
  const messages: TestSocket['messages'] = [];
  const waiters = new Set<() => void>();
  ws.on('message', (raw) => {
    messages.push(JSON.parse(String(raw)));
    for (const w of [...waiters]) w();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on('close', (code, reason) => {
      resolve({ code, reason: String(reason) });
      for (const w of [...waiters]) w();
    });
  });
  const socket: TestSocket = {
    ws,
    messages,
    closed,
    wait(match, timeoutMs = 3000) {
      return new Promise((resolve, reject) => {
        let seen = 0;
        const check = () => {
          for (; seen < messages.length; seen++) {
            if (match(messages[seen]!)) {
              waiters.delete(check);
              clearTimeout(timer);
              resolve(messages[seen]!);
              return;
            }
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out; got ${JSON.stringify(messages)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    subscribe(id, query, variables) {
      ws.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables } }));
    },
    complete(id) {
      ws.send(JSON.stringify({ id, type: 'complete' }));
    },
    close() {
      ws.close(1000);
    },
  };
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(socket));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
}

/** Opens, sends connection_init and waits for the ack. */
export async function connect(
  url: string,
  payload: Record<string, unknown> = {},
): Promise<TestSocket> {
  const socket = await openSocket(url);
  socket.ws.send(JSON.stringify({ type: 'connection_init', payload }));
  await socket.wait((m) => m.type === 'connection_ack');
  return socket;
}

export async function until(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
