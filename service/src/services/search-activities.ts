import { type Activity, type Outcome, outcome } from './model';
import { isoTimestamp } from './time';
import { isBlank } from './validation';

/** Activities matching a search term (mock: always the same one). */
export function searchActivities(term: string | undefined, now: Date): Outcome<Activity[]> {
  return outcome(isBlank(term) ? ['search_term_blank'] : [], () => [
    {
      uuid: '248959df-3079-4947-b847-9e0892d1bab4',
      handle: 'Andrew Brown',
      message: 'Cloud is fun!',
      created_at: isoTimestamp(now),
    },
  ]);
}
