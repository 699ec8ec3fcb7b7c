import { isSpanContextValid, SpanStatusCode, trace } from '@opentelemetry/api';
import { currentRequestContext } from '../request/context';
import { xrayIds } from './trace-ids';

/** How one Cruddur service appears in Honeycomb (span) and in X-Ray (subsegment with metadata namespace). */
export interface ServiceTrace {
  span: string;
  subsegment: string;
  namespace: string;
}

export type TraceFields = Record<string, string | number>;

/** X-Ray metadata keys as the course wrote them for user_activities; other fields keep their names. */
const METADATA_KEYS: Readonly<Record<string, string>> = { user: 'userhandle', now: 'time', result_length: 'result-size' };
/** Fields people filter on in the X-Ray console: indexed annotations (letters, digits and _ only). */
const ANNOTATION_KEYS: Readonly<Record<string, string>> = { user: 'userhandle', result_length: 'result_size' };

const tracer = trace.getTracer('cruddur-backend');

/** What a service answered, as fields: how many items (one for anything but an array). */
export function sizeFields(result: unknown): TraceFields {
  return { result_length: Array.isArray(result) ? result.length : 1 };
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/**
 * Runs a Cruddur service inside its own span (`app.*` attributes) and, when X-Ray samples the request, its own
 * subsegment (metadata and annotations) with the span's id. A service that returns a promise (one on a database)
 * gets both ended when the promise settles, with its result or its error; `resultFields` says what of the result
 * is recorded. Never records message bodies: callers pass lengths.
 */
export function traced<T>(
  service: ServiceTrace,
  fields: TraceFields,
  run: () => T,
  resultFields: (result: Awaited<T>) => TraceFields = sizeFields,
): T {
  return tracer.startActiveSpan(service.span, (span) => {
    const segment = currentRequestContext()?.trace?.segment;
    const spanContext = span.spanContext();
    const subsegment = segment?.openSubsegment(service.subsegment, isSpanContextValid(spanContext) ? spanContext.spanId : xrayIds.generateSpanId());
    // An unsampled request records nothing: skip building the attribute names and metadata.
    const recording = span.isRecording() || subsegment !== undefined;
    const record = (values: TraceFields) => {
      for (const [key, value] of Object.entries(values)) {
        span.setAttribute(`app.${key}`, value);
        subsegment?.addMetadata(METADATA_KEYS[key] ?? key, value, service.namespace);
        const annotation = ANNOTATION_KEYS[key];
        if (annotation) subsegment?.addAnnotation(annotation, value);
      }
    };
    const succeeded = (result: Awaited<T>) => {
      if (recording) record(resultFields(result));
      subsegment?.close();
      span.end();
    };
    const failed = (err: unknown) => {
      const error = err instanceof Error ? err : new Error(String(err));
      span.recordException(error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
      subsegment?.close(error);
      span.end();
    };
    let result: T;
    try {
      if (recording) record(fields);
      result = run();
    } catch (err) {
      failed(err);
      throw err;
    }
    if (!isPromiseLike(result)) {
      succeeded(result as Awaited<T>);
      return result;
    }
    return result.then(
      (value) => {
        succeeded(value as Awaited<T>);
        return value;
      },
      (err: unknown) => {
        failed(err);
        throw err;
      },
    ) as T;
  });
}
