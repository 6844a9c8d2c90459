// An OTLP/HTTP (JSON) trace receiver for tests and benches: a plain HTTP server keeping
// every span it is sent. Point the platform's OTEL_EXPORTER_OTLP_ENDPOINT at `url`.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ExportedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  /** Unix time in nanoseconds. */
  start: bigint;
  end: bigint;
  attributes: Record<string, unknown>;
}

export interface TraceCollector {
  url: string;
  spans: ExportedSpan[];
  server: Server;
}

interface OtlpValue {
  key: string;
  value: Record<string, unknown>;
}

export async function startCollector(): Promise<TraceCollector> {
  const spans: ExportedSpan[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/v1/traces') {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        for (const rs of body.resourceSpans ?? []) {
          const service = rs.resource.attributes.find((a: OtlpValue) => a.key === 'service.name')
            ?.value.stringValue;
          for (const ss of rs.scopeSpans ?? []) {
            for (const s of ss.spans ?? []) {
              spans.push({
                service,
                traceId: s.traceId,
                spanId: s.spanId,
                parentSpanId: s.parentSpanId ?? '',
                name: s.name,
                kind: s.kind,
                start: BigInt(s.startTimeUnixNano),
                end: BigInt(s.endTimeUnixNano),
                attributes: Object.fromEntries(
                  (s.attributes ?? []).map((a: OtlpValue) => [a.key, Object.values(a.value)[0]]),
                ),
              });
            }
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, spans, server };
}
