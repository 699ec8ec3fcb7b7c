import { HOME_ACTIVITY_UUID } from './home-activities';
import type { Activity } from './model';
import { plusDays } from './time';

/** One activity with its replies (the original always answered 500 here; fixed in this port). */
export function showActivity(now: Date): Activity {
  return {
    uuid: HOME_ACTIVITY_UUID,
    handle: 'Andrew Brown',
    message: 'Cloud is fun!',
    created_at: plusDays(now, -2),
    expires_at: plusDays(now, 5),
    replies: [
      {
        uuid: '26e12864-1c26-5c3a-9658-97a10f8fea67',
        handle: 'Worf',
        message: 'This post has no honor!',
        created_at: plusDays(now, -2),
      },
    ],
  };
}
