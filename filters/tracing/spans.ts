/**
 * Spans for work that is not an Exchange (pub/sub deliveries `pubsub/<topic>`, bindings
 * `bindings/<name>`, component calls): continue a W3C parent given as a traceparent string (or
 * start a trace), get the traceparent to send on, and end with a status. Unsampled work costs two
 * id slices and no SDK call, like the telemetry filter.
 */
import { SpanKind, SpanStatusCode, decideSampled, type Attributes, type Tracing } from './tracer';
import { formatTraceparent, newSpanId, newTraceId, parseTraceparent } from './trace-context';

export interface WorkSpan {
  /** The traceparent to propagate to the next hop (same trace, this span as parent). */
  readonly traceparent: string;
  /** Ends the span; `ok` false marks it as an error. Idempotent. */
  end(ok: boolean, attributes?: Attributes): void;
}

export function startWorkSpan(tracing: Tracing, name: string, kind: SpanKind, parentTraceparent: string | undefined, attributes: Attributes = {}): WorkSpan {
  const parent = parseTraceparent(parentTraceparent);
  const sampled = decideSampled(tracing.rate, parent);
  const span = sampled && tracing.exporting ? tracing.startSpan(name, kind, parent, attributes) : undefined;
  const traceId = span ? span.spanContext().traceId : parent?.traceId ?? newTraceId();
  const spanId = span ? span.spanContext().spanId : newSpanId();
  let ended = false;
  return {
    traceparent: formatTraceparent(traceId, spanId, sampled),
    end(ok, more) {
      if (ended || !span) return;
      ended = true;
      if (more) span.setAttributes(more);
      if (!ok) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    },
  };
}

export { SpanKind };
