// A command's part of its request's trace: one span from the moment the engine queued it to
// the moment its answer left (after its batch committed), child of the `traceparent` the
// command carries, and under it the settlement batch's transaction. Commands without a sampled
// trace context cost one check; with tracing off, nothing.
import { SpanKind, sampled, type Tracing } from '@flowex/server';
import type { CommandReply, EngineCommandMessage } from '../intake/protocol.ts';

/**
 * A batch's times, performance.now() values (OpenTelemetry anchors them to each span's clock):
 * when each of its commands was queued, in the batch's order, and its transaction.
 */
export interface BatchTimes {
  queuedAt: number[];
  committed?: { start: number; end: number };
}

export class CommandTracer {
  constructor(
    private readonly tracing: Tracing,
    private readonly market: string,
  ) {}

  /** The batch's commands were answered: a span for each that carries a sampled context. */
  answered(items: EngineCommandMessage[], times: BatchTimes, replies: CommandReply[]): void {
    const now = performance.now();
    let byId: Map<string, CommandReply> | undefined;
    items.forEach((msg, i) => {
      if (!sampled(msg.traceparent)) return;
      byId ??= new Map(replies.map((r) => [r.commandId, r]));
      const reply = byId.get(msg.commandId);
      const span = this.tracing.start(`${msg.body.kind} ${this.market}`, msg.traceparent, {
        kind: SpanKind.CONSUMER,
        startTime: times.queuedAt[i]!,
        attributes: {
          'flowex.market': this.market,
          'flowex.command.id': msg.commandId,
          'flowex.command.outcome': reply?.outcome ?? 'unknown',
          'flowex.engine.seq': reply?.seq ?? '',
          'flowex.batch.commands': items.length,
        },
      });
      if (!span) return;
      if (times.committed) {
        this.tracing
          .start('settlement batch', span, {
            startTime: times.committed.start,
            attributes: { 'flowex.batch.commands': items.length },
          })
          ?.end(times.committed.end);
      }
      span.end(now);
    });
  }
}
