import { randomUUID } from 'node:crypto';
import { CURRENT_USER, type Message, type Outcome, outcome } from './model';
import { isoTimestamp } from './time';
import { isBlank, messageErrors } from './validation';

export const MAX_MESSAGE_CHARACTERS = 1024;

/** A direct message to another user. `user_reciever_handle_blank` is misspelt on purpose: the frontend matches it. */
export function createMessage(receiverHandle: unknown, message: unknown, now: Date): Outcome<Message> {
  const errors = [
    ...(isBlank(receiverHandle) ? ['user_reciever_handle_blank'] : []),
    ...messageErrors(message, MAX_MESSAGE_CHARACTERS),
  ];
  return outcome(errors, () => ({
    uuid: randomUUID(),
    ...CURRENT_USER,
    message: message as string,
    created_at: isoTimestamp(now),
  }));
}
