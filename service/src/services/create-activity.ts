import { randomUUID } from 'node:crypto';
import { type Activity, CURRENT_USER, type Outcome, outcome } from './model';
import { isoTimestamp, plusHours } from './time';
import { messageErrors } from './validation';

export const MAX_ACTIVITY_CHARACTERS = 280;

/** How long an activity lives, by the ttl names the frontend offers. */
export const TTL_HOURS: Readonly<Record<string, number>> = {
  '30-days': 30 * 24,
  '7-days': 7 * 24,
  '3-days': 3 * 24,
  '1-day': 24,
  '12-hours': 12,
  '3-hours': 3,
  '1-hour': 1,
};

function ttlHours(ttl: unknown): number | undefined {
  return typeof ttl === 'string' && Object.hasOwn(TTL_HOURS, ttl) ? TTL_HOURS[ttl] : undefined;
}

export function createActivity(message: unknown, ttl: unknown, now: Date): Outcome<Activity> {
  const hours = ttlHours(ttl);
  const errors = [...(hours === undefined ? ['ttl_blank'] : []), ...messageErrors(message, MAX_ACTIVITY_CHARACTERS)];
  return outcome(errors, () => ({
    uuid: randomUUID(),
    display_name: CURRENT_USER.display_name,
    handle: CURRENT_USER.handle,
    message: message as string,
    created_at: isoTimestamp(now),
    expires_at: plusHours(now, hours ?? 0),
  }));
}
