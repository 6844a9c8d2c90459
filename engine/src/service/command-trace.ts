// A command's part of its request's trace: one span from the moment the engine queued it to
// the moment its answer left (after its batch committed), child of the `traceparent` the
// command carries, and under it the settlement batch's transaction. Commands without a sampled
// trace context cost one check; with tracing off, nothing.
import { SpanKind, sampled, type Tracing } from '@flowex/server';
import type { CommandReply, EngineCommandMessage } from '../intake/protocol.ts';

/** Forget arrivals beyond this many (commands queued but never answered, e.g. after a stop). */
const MAX_PENDING = 100_000;

export class CommandTracer {
  private readonly arrivals = new Map<string, number>();
  /** Times are performance.now() values: OpenTelemetry anchors them to its span's clock. */
  private readonly commits = new WeakMap<object, { start: number; end: number }>();

  constructor(
    private readonly tracing: Tracing,
    private readonly market: string,
  ) {}

  /** A command was queued. */
  queued(msg: EngineCommandMessage): void {
    if (!sampled(msg.traceparent)) return;
    if (this.arrivals.size >= MAX_PENDING) this.arrivals.clear();
    this.arrivals.set(msg.commandId, performance.now());
  }

  /** The batch `key` committed: its transaction took from `startedMs` (performance.now()) until now. */
  committed(key: object, startedMs: number): void {
    if (this.arrivals.size === 0) return;
    this.commits.set(key, { start: startedMs, end: performance.now() });
  }

  /** The batch `key`'s commands were answered. */
  answered(key: object, items: EngineCommandMessage[], replies: CommandReply[]): void {
    if (this.arrivals.size === 0) return;
    const commit = this.commits.get(key);
    const now = performance.now();
    let byId: Map<string, CommandReply> | undefined;
    for (const msg of items) {
      const arrived = this.arrivals.get(msg.commandId);
      if (arrived === undefined) continue;
      this.arrivals.delete(msg.commandId);
      byId ??= new Map(replies.map((r) => [r.commandId, r]));
      const reply = byId.get(msg.commandId);
      const span = this.tracing.start(`${msg.body.kind} ${this.market}`, msg.traceparent, {
        kind: SpanKind.CONSUMER,
        startTime: arrived,
        attributes: {
          'flowex.market': this.market,
          'flowex.command.id': msg.commandId,
          'flowex.command.outcome': reply?.outcome ?? 'unknown',
          'flowex.engine.seq': reply?.seq ?? '',
          'flowex.batch.commands': items.length,
        },
      });
      if (!span) continue;
      if (commit) {
        this.tracing
          .start('settlement batch', span, {
            startTime: commit.start,
            attributes: { 'flowex.batch.commands': items.length },
          })
          ?.end(commit.end);
      }
      span.end(now);
    }
  }
}
