// Where a placeOrder's time goes, read from its trace: the spans each service exports
// (gateway request and its call to trading, trading's request and its durable record, the
// engine's command and the settlement batch that committed it) cut the request into
// consecutive segments. Spans are anchored to a millisecond clock (OpenTelemetry JS), so
// a segment is exact to about a millisecond: read the tails, not the medians.
import type { ExportedSpan } from './trace-collector.ts';

/** The consecutive parts of one placeOrder, in the order the request passes them. */
export const SEGMENTS = [
  ['gatewayIn', 'gateway: request to its call to trading (auth, limits, plan)'],
  ['toTrading', 'gateway → trading (HTTP, trading’s event loop)'],
  ['tradingIn', 'trading: request to its durable record (GraphQL, checks)'],
  ['record', 'intake: the order and its hold committed'],
  ['toEngine', 'to the engine (Redis stream or in-process bus)'],
  ['engineQueue', 'engine: queued until its batch’s transaction starts'],
  ['settlement', 'settlement: its batch’s transaction'],
  ['announce', 'engine: after its commit, publication until its answer leaves'],
  ['answer', 'the answer to trading, and trading’s response'],
  ['toGateway', 'trading → gateway, and the gateway’s response'],
] as const;

export type Segment = (typeof SEGMENTS)[number][0];

export interface SegmentFigures {
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  /** Mean over the slowest 1 % of requests (by total): what the tail is made of. */
  slowestMeanMs: number;
}

export interface Breakdown {
  /** placeOrder traces complete from the gateway to settlement within the window. */
  traces: number;
  total: SegmentFigures;
  segments: Record<Segment, SegmentFigures>;
}

const ms = (from: bigint, to: bigint) => Number(to - from) / 1e6;

type Cut = Record<Segment | 'total', number>;

/** OTLP's SPAN_KIND_SERVER (OTLP numbers kinds from 1, OpenTelemetry JS's SpanKind from 0). */
const OTLP_SERVER = 2;

/** The gateway's span of the client's request: the root every segment hangs from. */
const isGatewayRequest = (s: ExportedSpan) =>
  s.service === 'flowex-gateway' && s.kind === OTLP_SERVER;

/** One complete placeOrder trace cut into segments, or undefined if a span is missing. */
function cut(spans: ExportedSpan[]): Cut | undefined {
  const find = (service: string, test: (s: ExportedSpan) => boolean) =>
    spans.find((s) => s.service === `flowex-${service}` && test(s));
  const request = spans.find(isGatewayRequest);
  const call = find('gateway', (s) => s.name === 'subgraph trading');
  const trading = find('trading', (s) => s.kind === OTLP_SERVER);
  const record = find('trading', (s) => s.name === 'record order');
  const command = find('engine', (s) => s.name.startsWith('PLACE '));
  const batch = find('engine', (s) => s.name === 'settlement batch');
  if (!request || !call || !trading || !record || !command || !batch) return undefined;
  return {
    total: ms(request.start, request.end),
    gatewayIn: ms(request.start, call.start),
    toTrading: ms(call.start, trading.start),
    tradingIn: ms(trading.start, record.start),
    record: ms(record.start, record.end),
    toEngine: ms(record.end, command.start),
    engineQueue: ms(command.start, batch.start),
    settlement: ms(batch.start, batch.end),
    announce: ms(batch.end, command.end),
    answer: ms(command.end, trading.end),
    toGateway: ms(trading.end, request.end),
  };
}

const at = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
const round = (n: number) => Math.round(n * 100) / 100;

/**
 * The placeOrder requests whose gateway span started within [from, to) (Unix ms), cut into
 * segments: percentiles of each, and the mean of each over the slowest 1 %. Undefined when
 * no complete trace falls in the window.
 */
export function placeOrderBreakdown(
  spans: readonly ExportedSpan[],
  from: number,
  to: number,
): Breakdown | undefined {
  const [lo, hi] = [BigInt(Math.floor(from)) * 1_000_000n, BigInt(Math.ceil(to)) * 1_000_000n];
  const byTrace = new Map<string, ExportedSpan[]>();
  for (const s of spans) {
    const list = byTrace.get(s.traceId);
    if (list) list.push(s);
    else byTrace.set(s.traceId, [s]);
  }
  const rows: Cut[] = [];
  for (const trace of byTrace.values()) {
    const root = trace.find(isGatewayRequest);
    if (!root || root.start < lo || root.start >= hi) continue;
    const row = cut(trace);
    if (row) rows.push(row);
  }
  if (rows.length === 0) return undefined;
  rows.sort((a, b) => a.total - b.total);
  const slowest = rows.slice(Math.floor(rows.length * 0.99));
  const figures = (key: Segment | 'total'): SegmentFigures => {
    const values = rows.map((r) => r[key]).sort((a, b) => a - b);
    return {
      p50Ms: round(at(values, 0.5)),
      p90Ms: round(at(values, 0.9)),
      p99Ms: round(at(values, 0.99)),
      slowestMeanMs: round(slowest.reduce((sum, r) => sum + r[key], 0) / slowest.length),
    };
  };
  return {
    traces: rows.length,
    total: figures('total'),
    segments: Object.fromEntries(SEGMENTS.map(([key]) => [key, figures(key)])) as Record<
      Segment,
      SegmentFigures
    >,
  };
}

/** A Markdown table of a breakdown, one row per segment. */
export function breakdownTable(label: string, b: Breakdown): string {
  const row = (name: string, f: SegmentFigures) =>
    `| ${name} | ${f.p50Ms} | ${f.p90Ms} | ${f.p99Ms} | ${f.slowestMeanMs} |`;
  return [
    `\nplaceOrder, segment by segment (${label}; ${b.traces} traces):`,
    '| segment | p50 ms | p90 ms | p99 ms | mean over the slowest 1 % ms |',
    '| --- | --- | --- | --- | --- |',
    ...SEGMENTS.map(([key, name]) => row(name, b.segments[key])),
    row('**whole request** (gateway span)', b.total),
  ].join('\n');
}
