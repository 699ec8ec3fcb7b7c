import { expect } from 'chai';

/** Milliseconds between `timestamp` and `reference` plus the offset, to check mock dates relative to now. */
export function expectOffset(timestamp: unknown, reference: number, offsetMs: number, toleranceMs = 5_000): void {
  expect(timestamp).to.be.a('string').and.match(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+00:00$/);
  expect(Date.parse(timestamp as string)).to.be.closeTo(reference + offsetMs, toleranceMs);
}

export const HOUR = 60 * 60 * 1000;
export const DAY = 24 * HOUR;
