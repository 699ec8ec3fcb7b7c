import { HOME_ACTIVITY_UUID, worfReply } from './home-activities';
import type { Activity } from './model';
import { plusDays } from './time';

/** Notifications: one activity shaped like the first of the home feed. */
export function notificationsActivities(now: Date): Activity[] {
  return [
    {
      uuid: HOME_ACTIVITY_UUID,
      handle: 'Manny Negussie',
      message: 'Cloud is absolutely fun! (Azure UI Supremacy!)',
      created_at: plusDays(now, -2),
      expires_at: plusDays(now, 5),
      likes_count: 5,
      replies_count: 1,
      reposts_count: 0,
      replies: [worfReply(now)],
    },
  ];
}
