/**
 * Wraps a span exporter so a failing endpoint is visible: the first failed export is logged as a
 * warning (with the exporter's error), the recovery as info; nothing in between, so a collector
 * that is down costs one log line, not one per batch. Runs on the export path, never per request.
 */
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Logger } from '../../observability/logger';

export function reportingExporter(inner: SpanExporter, label: string, logger: Logger): SpanExporter {
  let failing = false;
  let dropped = 0;
  const wrapped: SpanExporter = {
    export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
      inner.export(spans, (result) => {
        if (result.code !== ExportResultCode.SUCCESS) {
          dropped += spans.length;
          if (!failing) {
            failing = true;
            logger.warn(`tracing: span export to ${label} failed; spans are dropped until it recovers`, { code: 'TRACING_EXPORT_FAILED', error: result.error?.message ?? 'unknown error', spans: spans.length });
          }
        } else if (failing) {
          failing = false;
          logger.info(`tracing: span export to ${label} recovered`, { dropped });
          dropped = 0;
        }
        done(result);
      });
    },
    shutdown: () => inner.shutdown(),
  };
  if (inner.forceFlush) wrapped.forceFlush = () => inner.forceFlush!();
  return wrapped;
}
