import { CURRENT_USER, type Message, type Outcome, outcome } from './model';
import { isoTimestamp } from './time';
import { handleErrors } from './user-activities';

/** The messages exchanged with another user. */
export function messages(handle: string, now: Date): Outcome<Message[]> {
  return outcome(handleErrors(handle), () => [
    {
      uuid: '4e81c06a-db0f-4281-b4cc-98208537772a',
      ...CURRENT_USER,
      message: 'Cloud is fun!',
      created_at: isoTimestamp(now),
    },
    {
      uuid: '66e12864-8c26-4c3a-9658-95a10f8fea67',
      ...CURRENT_USER,
      message: 'This platform is great!',
      created_at: isoTimestamp(now),
    },
  ]);
}
