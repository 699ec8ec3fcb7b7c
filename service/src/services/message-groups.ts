import { CURRENT_USER, type MessageGroup } from './model';
import { isoTimestamp } from './time';

/** The conversations of the current user. */
export function messageGroups(now: Date): MessageGroup[] {
  return [
    { uuid: '24b95582-9e7b-4e0a-9ad1-639773ab7552', ...CURRENT_USER, created_at: isoTimestamp(now) },
    { uuid: '417c360e-c4e6-4fce-873b-d2d71469b4ac', display_name: 'Worf', handle: 'worf', created_at: isoTimestamp(now) },
  ];
}
