import { homeActivities } from './home-activities';
import type { Activity } from './model';

/** Notifications: one activity shaped like the first of the home feed (same ids, dates and counts), from Manny. */
export function notificationsActivities(now: Date): Activity[] {
  const [first] = homeActivities(now);
  if (!first) return [];
  return [{ ...first, handle: 'Manny Negussie', message: 'Cloud is absolutely fun! (Azure UI Supremacy!)' }];
}
