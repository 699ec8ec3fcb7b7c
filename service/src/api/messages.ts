import Router from '@koa/router';
import { jsonFields } from '../framework/body';
import { createMessage } from '../services/create-message';
import { messageGroups } from '../services/message-groups';
import { messages } from '../services/messages';
import { SERVICE_TRACES } from '../telemetry/service-traces';
import { lengthOf, serviceRoute, textField } from './service-route';

/** /api/message_groups and /api/messages. */
export function messagesRouter(): Router {
  const router = new Router({ prefix: '/api' });

  router.get(
    '/message_groups',
    serviceRoute(SERVICE_TRACES.messageGroups, (_ctx, now) => ({ run: () => ({ ok: true, data: messageGroups(now) }) })),
  );

  const conversation = serviceRoute(SERVICE_TRACES.messages, (ctx, now) => {
    const handle = ctx.params.handle ?? '';
    return { fields: { user: textField(handle) }, run: () => messages(handle, now) };
  });
  router.get('/messages/@:handle', conversation);
  router.get('/messages/@', conversation); // empty handle: the validation code, not a 404

  router.post(
    '/messages',
    serviceRoute(SERVICE_TRACES.createMessage, (ctx, now) => {
      const { message, user_receiver_handle: receiver } = jsonFields(ctx);
      return { fields: { receiver: textField(receiver), message_length: lengthOf(message) }, run: () => createMessage(receiver, message, now) };
    }),
  );

  return router;
}
