import Router, { type RouterMiddleware } from '@koa/router';
import { jsonFields } from '../framework/body';
import { createActivity } from '../services/create-activity';
import { createReply } from '../services/create-reply';
import { homeActivities } from '../services/home-activities';
import { notificationsActivities } from '../services/notifications-activities';
import { searchActivities } from '../services/search-activities';
import { showActivity } from '../services/show-activity';
import { isoTimestamp } from '../services/time';
import { userActivities } from '../services/user-activities';
import { SERVICE_TRACES } from '../telemetry/service-traces';
import { traced } from '../telemetry/traced';
import { lengthOf, outcomeFields, respond, textField } from './respond';

/** /api/activities: static segments are registered before `:activity_uuid` so they always win. */
export function activitiesRouter(): Router {
  const router = new Router({ prefix: '/api/activities' });

  router.get('/home', (ctx) => {
    const now = new Date();
    ctx.body = traced(SERVICE_TRACES.homeActivities, { now: isoTimestamp(now) }, () => homeActivities(now));
  });

  router.get('/notifications', (ctx) => {
    const now = new Date();
    ctx.body = traced(SERVICE_TRACES.notificationsActivities, { now: isoTimestamp(now) }, () => notificationsActivities(now));
  });

  router.get('/search', (ctx) => {
    const now = new Date();
    const term = typeof ctx.query.term === 'string' ? ctx.query.term : undefined;
    const fields = { now: isoTimestamp(now), search_term: textField(term) };
    respond(ctx, traced(SERVICE_TRACES.searchActivities, fields, () => searchActivities(term, now), outcomeFields));
  });

  const userFeed: RouterMiddleware = (ctx) => {
    const now = new Date();
    const handle = ctx.params.handle ?? '';
    const fields = { now: isoTimestamp(now), user: textField(handle) };
    respond(ctx, traced(SERVICE_TRACES.userActivities, fields, () => userActivities(handle, now), outcomeFields));
  };
  router.get('/@:handle', userFeed);
  // `/api/activities/@` has an empty handle: answer the validation code rather than treat `@` as an id.
  router.get('/@', userFeed);

  router.post('/', (ctx) => {
    const now = new Date();
    const { message, ttl } = jsonFields(ctx);
    const fields = { now: isoTimestamp(now), ttl: textField(ttl), message_length: lengthOf(message) };
    respond(ctx, traced(SERVICE_TRACES.createActivity, fields, () => createActivity(message, ttl, now), outcomeFields));
  });

  router.get('/:activity_uuid', (ctx) => {
    const now = new Date();
    const fields = { now: isoTimestamp(now), activity_uuid: textField(ctx.params.activity_uuid) };
    ctx.body = traced(SERVICE_TRACES.showActivity, fields, () => showActivity(now));
  });

  router.post('/:activity_uuid/reply', (ctx) => {
    const now = new Date();
    const activityUuid = ctx.params.activity_uuid ?? '';
    const { message } = jsonFields(ctx);
    const fields = { now: isoTimestamp(now), activity_uuid: textField(activityUuid), message_length: lengthOf(message) };
    respond(ctx, traced(SERVICE_TRACES.createReply, fields, () => createReply(activityUuid, message, now), outcomeFields));
  });

  return router;
}
