import { type Activity, type Outcome, outcome } from './model';
import { plusDays } from './time';
import { isBlank, isValidHandle } from './validation';

export function handleErrors(handle: string): string[] {
  if (isBlank(handle)) return ['blank_user_handle'];
  return isValidHandle(handle) ? [] : ['invalid_user_handle'];
}

/** A user's own activities. */
export function userActivities(handle: string, now: Date): Outcome<Activity[]> {
  return outcome(handleErrors(handle), () => [
    {
      uuid: '248959df-3079-4947-b847-9e0892d1bab4',
      handle: 'Andrew Brown',
      message: 'Cloud is fun!',
      created_at: plusDays(now, -1),
      expires_at: plusDays(now, 31),
    },
  ]);
}
