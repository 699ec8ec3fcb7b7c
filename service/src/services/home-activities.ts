import type { Activity, Reply } from './model';
import { plusDays, plusHours } from './time';

export const HOME_ACTIVITY_UUID = '68f126b0-1ceb-4a33-88be-d90fa7109eee';

/** The reply every feed shows under the first activity. */
function worfReply(now: Date): Reply {
  return {
    uuid: '26e12864-1c26-5c3a-9658-97a10f8fea67',
    reply_to_activity_uuid: HOME_ACTIVITY_UUID,
    handle: 'Worf',
    message: 'This post has no honor!',
    likes_count: 0,
    replies_count: 0,
    reposts_count: 0,
    created_at: plusDays(now, -2),
  };
}

/** The home feed: three activities, the first with its counts and one reply (shapes kept as in the original). */
export function homeActivities(now: Date): Activity[] {
  return [
    {
      uuid: HOME_ACTIVITY_UUID,
      handle: 'Andrew Brown',
      message: 'Cloud is fun!',
      created_at: plusDays(now, -2),
      expires_at: plusDays(now, 5),
      likes_count: 5,
      replies_count: 1,
      reposts_count: 0,
      replies: [worfReply(now)],
    },
    {
      uuid: '66e12864-8c26-4c3a-9658-95a10f8fea67',
      handle: 'Worf',
      message: 'I am out of prune juice',
      created_at: plusDays(now, -7),
      expires_at: plusDays(now, 9),
      likes: 0,
      replies: [],
    },
    {
      uuid: '248959df-3079-4947-b847-9e0892d1bab4',
      handle: 'Garek',
      message: 'My dear doctor, I am just simple tailor',
      created_at: plusHours(now, -1),
      expires_at: plusHours(now, 12),
      likes: 0,
      replies: [],
    },
  ];
}
