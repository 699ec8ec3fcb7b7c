import type { Context } from 'koa';
import type { Outcome } from '../services/model';

/** 200 with the data, or 422 with the bare array of validation codes the frontend expects. */
export function respond<T>(ctx: Context, result: Outcome<T>): void {
  if (result.ok) {
    ctx.body = result.data;
  } else {
    ctx.status = 422;
    ctx.body = result.errors;
  }
}
