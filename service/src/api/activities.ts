import Router from '@koa/router';
import { jsonFields } from '../framework/body';
import { createActivity } from '../services/create-activity';
import { createReply } from '../services/create-reply';
import { homeActivities } from '../services/home-activities';
import { notificationsActivities } from '../services/notifications-activities';
import { searchActivities } from '../services/search-activities';
import { showActivity } from '../services/show-activity';
import { userActivities } from '../services/user-activities';
import { SERVICE_TRACES } from '../telemetry/service-traces';
import { lengthOf, serviceRoute, textField } from './service-route';

/** /api/activities: static segments are registered before `:activity_uuid` so they always win. */
export function activitiesRouter(): Router {
  const router = new Router({ prefix: '/api/activities' });

  router.get(
    '/home',
    serviceRoute(SERVICE_TRACES.homeActivities, (_ctx, now) => ({ run: () => ({ ok: true, data: homeActivities(now) }) })),
  );

  router.get(
    '/notifications',
    serviceRoute(SERVICE_TRACES.notificationsActivities, (_ctx, now) => ({ run: () => ({ ok: true, data: notificationsActivities(now) }) })),
  );

  router.get(
    '/search',
    serviceRoute(SERVICE_TRACES.searchActivities, (ctx, now) => {
      const term = typeof ctx.query.term === 'string' ? ctx.query.term : undefined;
      return { fields: { search_term: textField(term) }, run: () => searchActivities(term, now) };
    }),
  );

  const userFeed = serviceRoute(SERVICE_TRACES.userActivities, (ctx, now) => {
    const handle = ctx.params.handle ?? '';
    return { fields: { user: textField(handle) }, run: () => userActivities(handle, now) };
  });
  router.get('/@:handle', userFeed);
  // `/api/activities/@` has an empty handle: answer the validation code rather than treat `@` as an id.
  router.get('/@', userFeed);

  router.post(
    '/',
    serviceRoute(SERVICE_TRACES.createActivity, (ctx, now) => {
      const { message, ttl } = jsonFields(ctx);
      return { fields: { ttl: textField(ttl), message_length: lengthOf(message) }, run: () => createActivity(message, ttl, now) };
    }),
  );

  router.get(
    '/:activity_uuid',
    serviceRoute(SERVICE_TRACES.showActivity, (ctx, now) => ({
      fields: { activity_uuid: textField(ctx.params.activity_uuid) },
      run: () => ({ ok: true, data: showActivity(now) }),
    })),
  );

  router.post(
    '/:activity_uuid/reply',
    serviceRoute(SERVICE_TRACES.createReply, (ctx, now) => {
      const activityUuid = ctx.params.activity_uuid ?? '';
      const { message } = jsonFields(ctx);
      return {
        fields: { activity_uuid: textField(activityUuid), message_length: lengthOf(message) },
        run: () => createReply(activityUuid, message, now),
      };
    }),
  );

  return router;
}
