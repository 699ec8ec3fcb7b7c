const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

/** ISO-8601 in UTC with an explicit offset, as the original API printed (`...+00:00`). */
export function isoTimestamp(date: Date): string {
  return date.toISOString().replace('Z', '+00:00');
}

export function plusDays(now: Date, days: number): string {
  return isoTimestamp(new Date(now.getTime() + days * DAY_MS));
}

export function plusHours(now: Date, hours: number): string {
  return isoTimestamp(new Date(now.getTime() + hours * HOUR_MS));
}
