// Distributed tracing with OpenTelemetry: with OTEL_EXPORTER_OTLP_ENDPOINT set, each service
// records spans (the gateway's requests and its calls to subgraphs, each subgraph's requests,
// the engine's commands and the settlement batch that committed them) and exports them over
// OTLP/HTTP. Contexts travel explicitly as W3C `traceparent` values — an HTTP header to the
// subgraphs, a field of the command to the engine — so there is no global context manager and
// no patched module. Unset, nothing is recorded, and a client's `traceparent` is passed along
// unchanged, as far as the engine's command rows and logs.
import type { IncomingHttpHeaders } from 'node:http';
import {
  type Attributes,
  type Context,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TimeInput,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { parseTraceParent, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';

export { type Span, SpanKind, SpanStatusCode };

export interface TracingConfig {
  /** OTLP/HTTP base URL (`…/v1/traces` is appended); unset: tracing off. */
  OTEL_EXPORTER_OTLP_ENDPOINT?: string | undefined;
  /** Share of traces started here (requests that came without a sampled parent). */
  OTEL_TRACES_SAMPLER_ARG: number;
}

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  startTime?: TimeInput;
}

export interface Tracing {
  /** False: `start` returns nothing and callers pass the `traceparent` they received along. */
  readonly enabled: boolean;
  /** A span whose parent is `parent` (a `traceparent` value, a span, or none: a new trace). */
  start(name: string, parent: string | Span | undefined, options?: SpanOptions): Span | undefined;
  /** Exports what is still buffered and stops. */
  shutdown(): Promise<void>;
}

const propagator = new W3CTraceContextPropagator();

/** The `traceparent` value that makes a callee's spans children of `span`. */
export function traceparentOf(span: Span): string {
  const carrier: { traceparent?: string } = {};
  propagator.inject(trace.setSpan(ROOT_CONTEXT, span), carrier, {
    set: (c, key, value) => {
      (c as Record<string, string>)[key] = value;
    },
  });
  return carrier.traceparent!;
}

/**
 * The `traceparent` header of a request when it is one well-formed W3C value; anything else
 * (a list, junk, an oversized string) starts afresh rather than travel on into stored rows.
 */
export function receivedTraceparent(headers: IncomingHttpHeaders): string | undefined {
  const value = headers.traceparent;
  return typeof value === 'string' && value.length <= 128 && parseTraceParent(value)
    ? value
    : undefined;
}

/** Whether a `traceparent` value asks for its trace to be recorded (its sampled flag). */
export function sampled(traceparent: string | undefined): boolean {
  const parent = traceparent ? parseTraceParent(traceparent) : null;
  return parent !== null && (parent.traceFlags & 1) === 1;
}

/** Records the error on the span (status ERROR with its message). */
export function failed(span: Span | undefined, error: unknown): void {
  span?.setStatus({
    code: SpanStatusCode.ERROR,
    message: error instanceof Error ? error.message : String(error),
  });
}

/** Records nothing (also what `createTracing` returns without an endpoint). */
export const noTracing: Tracing = {
  enabled: false,
  start: () => undefined,
  shutdown: async () => {},
};

/** The tracing of one service (`service.name` = `flowex-<service>`). */
export function createTracing(service: string, config: TracingConfig): Tracing {
  const endpoint = config.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!endpoint) return noTracing;
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': `flowex-${service}` }),
    sampler: new ParentBasedSampler({
      root: new TraceIdRatioBasedSampler(config.OTEL_TRACES_SAMPLER_ARG),
    }),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter: new OTLPTraceExporter({ url: `${endpoint.replace(/\/+$/, '')}/v1/traces` }),
        scheduledDelayMillis: 1000,
      }),
    ],
  });
  const tracer: Tracer = provider.getTracer('flowex');
  return {
    enabled: true,
    start(name, parent, options = {}) {
      let context: Context = ROOT_CONTEXT;
      if (typeof parent === 'string') {
        context = propagator.extract(ROOT_CONTEXT, { traceparent: parent }, getter);
      } else if (parent) {
        context = trace.setSpan(ROOT_CONTEXT, parent);
      }
      return tracer.startSpan(name, options, context);
    },
    shutdown: () => provider.shutdown(),
  };
}

const getter = {
  get: (carrier: Record<string, string>, key: string) => carrier[key],
  keys: (carrier: Record<string, string>) => Object.keys(carrier),
};
