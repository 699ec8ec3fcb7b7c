import { randomUUID } from 'node:crypto';
import { CURRENT_USER, type Outcome, outcome, type Reply } from './model';
import { isoTimestamp } from './time';
import { isBlank, messageErrors } from './validation';

export const MAX_REPLY_CHARACTERS = 1024;

export type CreatedReply = Reply & { display_name: string };

/** A reply to an activity (the original answered 500 here; fixed in this port). */
export function createReply(activityUuid: string, message: unknown, now: Date): Outcome<CreatedReply> {
  const errors = [...(isBlank(activityUuid) ? ['activity_uuid_blank'] : []), ...messageErrors(message, MAX_REPLY_CHARACTERS)];
  return outcome(errors, () => ({
    uuid: randomUUID(),
    display_name: CURRENT_USER.display_name,
    handle: CURRENT_USER.handle,
    message: message as string,
    reply_to_activity_uuid: activityUuid,
    created_at: isoTimestamp(now),
  }));
}
