import { diag } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';

/**
 * Says how many spans an export lost. When the collector stays unreachable past the exporter's retries, the SDK
 * reports the error but not what it cost; this turns it into a count on the same (warn) line, and keeps count of
 * the spans still being exported, which a shutdown that cannot wait for them must report as lost.
 */
export class DropCountingExporter implements SpanExporter {
  private droppedSinceStart = 0;
  private inFlight = 0;

  constructor(private readonly exporter: SpanExporter) {}

  get dropped(): number {
    return this.droppedSinceStart;
  }

  /** Spans handed to the exporter whose export has not finished yet. */
  get pending(): number {
    return this.inFlight;
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.inFlight += spans.length;
    this.exporter.export(spans, (result) => {
      this.inFlight -= spans.length;
      if (result.code !== ExportResultCode.SUCCESS) {
        this.droppedSinceStart += spans.length;
        const cause = result.error?.message ?? 'export failed';
        diag.warn(`${spans.length} spans dropped (${this.droppedSinceStart} since start): ${cause}`);
      }
      resultCallback(result);
    });
  }

  shutdown(): Promise<void> {
    return this.exporter.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.exporter.forceFlush?.() ?? Promise.resolve();
  }
}
