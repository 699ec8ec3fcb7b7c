import { diag } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';

/**
 * Says how many spans an export lost. When the collector stays unreachable past the exporter's retries, the SDK
 * reports the error but not what it cost; this turns it into a count on the same (warn) line, and keeps count of
 * the spans still being exported, which a shutdown that cannot wait for them reports as lost — once: an export it
 * gave up on is not counted again as dropped when it fails afterwards.
 */
export class DropCountingExporter implements SpanExporter {
  private droppedSinceStart = 0;
  private readonly inFlight = new Set<{ spans: number }>();

  constructor(private readonly exporter: SpanExporter) {}

  get dropped(): number {
    return this.droppedSinceStart;
  }

  /** The spans handed to the exporter whose export has not finished: from now on they count as given up. */
  abandonInFlight(): number {
    let spans = 0;
    for (const batch of this.inFlight) spans += batch.spans;
    this.inFlight.clear();
    return spans;
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    const batch = { spans: spans.length };
    this.inFlight.add(batch);
    this.exporter.export(spans, (result) => {
      const abandoned = !this.inFlight.delete(batch);
      if (result.code !== ExportResultCode.SUCCESS && !abandoned) {
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
