import type { Context } from 'koa';
import type { Outcome } from '../services/model';
import { characterCount } from '../services/validation';
import { sizeFields, type TraceFields } from '../telemetry/traced';

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
export function outcomeFields(result: Outcome<unknown>): TraceFields {
  return result.ok ? sizeFields(result.data) : { result_length: 0, validation_errors: result.errors.join(',') };
}

/** 200 with the data, or 422 with the bare array of validation codes the frontend expects. */
export function respond<T>(ctx: Context, result: Outcome<T>): void {
  if (result.ok) {
    ctx.body = result.data;
  } else {
    ctx.status = 422;
    ctx.body = result.errors;
  }
}
