import Router, { type RouterMiddleware } from '@koa/router';
import { jsonFields } from '../framework/body';
import { createMessage } from '../services/create-message';
import { messageGroups } from '../services/message-groups';
import { messages } from '../services/messages';
import { isoTimestamp } from '../services/time';
import { SERVICE_TRACES } from '../telemetry/service-traces';
import { traced } from '../telemetry/traced';
import { lengthOf, outcomeFields, respond, textField } from './respond';

/** /api/message_groups and /api/messages. */
export function messagesRouter(): Router {
  const router = new Router({ prefix: '/api' });

  router.get('/message_groups', (ctx) => {
    const now = new Date();
    ctx.body = traced(SERVICE_TRACES.messageGroups, { now: isoTimestamp(now) }, () => messageGroups(now));
  });

  const conversation: RouterMiddleware = (ctx) => {
    const now = new Date();
    const handle = ctx.params.handle ?? '';
    const fields = { now: isoTimestamp(now), user: textField(handle) };
    respond(ctx, traced(SERVICE_TRACES.messages, fields, () => messages(handle, now), outcomeFields));
  };
  router.get('/messages/@:handle', conversation);
  router.get('/messages/@', conversation); // empty handle: the validation code, not a 404

  router.post('/messages', (ctx) => {
    const now = new Date();
    const { message, user_receiver_handle: receiver } = jsonFields(ctx);
    const fields = { now: isoTimestamp(now), receiver: textField(receiver), message_length: lengthOf(message) };
    respond(ctx, traced(SERVICE_TRACES.createMessage, fields, () => createMessage(receiver, message, now), outcomeFields));
  });

  return router;
}
