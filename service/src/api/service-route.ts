import type { RouterContext, RouterMiddleware } from '@koa/router';
import type { Context } from 'koa';
import type { Outcome } from '../services/model';
import { isoTimestamp } from '../services/time';
import { characterCount } from '../services/validation';
import { type ServiceTrace, sizeFields, type TraceFields, traced } from '../telemetry/traced';

const MAX_TEXT_FIELD = 128;

/** A client-supplied value as a bounded string field (its type when it is not a string). */
export function textField(value: unknown): string {
  if (typeof value !== 'string') return value === undefined ? '' : typeof value;
  return value.length > MAX_TEXT_FIELD ? `${value.slice(0, MAX_TEXT_FIELD)}…` : value;
}

/** Spans carry a message's length in characters, never its text. */
export function lengthOf(message: unknown): number {
  return typeof message === 'string' ? characterCount(message) : 0;
}

/** What a service's outcome says in its span: how many items, or which validation codes failed. */
function outcomeFields(result: Outcome<unknown>): TraceFields {
  return result.ok ? sizeFields(result.data) : { result_length: 0, validation_errors: result.errors.join(',') };
}

/** 200 with the data, or 422 with the bare array of validation codes the frontend expects. */
function respond<T>(ctx: Context, result: Outcome<T>): void {
  if (result.ok) {
    ctx.body = result.data;
  } else {
    ctx.status = 422;
    ctx.body = result.errors;
  }
}

/** What a route asks of its service: the span's fields besides `now`, and the call itself. */
export interface ServiceCall<T> {
  fields?: TraceFields;
  run: () => Outcome<T>;
}

/**
 * A route that calls one Cruddur service: the clock read once for the whole request, the service run in its span
 * and subsegment (`now` first among their fields), and its outcome answered.
 */
export function serviceRoute<T>(trace: ServiceTrace, call: (ctx: RouterContext, now: Date) => ServiceCall<T>): RouterMiddleware {
  return (ctx) => {
    const now = new Date();
    const { fields, run } = call(ctx, now);
    respond(ctx, traced(trace, { now: isoTimestamp(now), ...fields }, run, outcomeFields));
  };
}
