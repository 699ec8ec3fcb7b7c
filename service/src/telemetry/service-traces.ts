import type { ServiceTrace } from './traced';

/**
 * The names saved queries and consoles depend on (shared/spec/cruddur-api.md): the two spans and the
 * `user_activities` subsegment of the course, and the same style for every other Cruddur service.
 */
export const SERVICE_TRACES = {
  homeActivities: { span: 'home-activities-mock-data', subsegment: 'home_activities', namespace: 'home' },
  notificationsActivities: { span: 'notifications-activities-mock-data', subsegment: 'notifications_activities', namespace: 'notifications' },
  userActivities: { span: 'user-activities-mock-data', subsegment: 'user_activities', namespace: 'user' },
  searchActivities: { span: 'search-activities-mock-data', subsegment: 'search_activities', namespace: 'search' },
  createActivity: { span: 'create-activity', subsegment: 'create_activity', namespace: 'activity' },
  showActivity: { span: 'show-activity-mock-data', subsegment: 'show_activity', namespace: 'activity' },
  createReply: { span: 'create-reply', subsegment: 'create_reply', namespace: 'reply' },
  messageGroups: { span: 'message-groups-mock-data', subsegment: 'message_groups', namespace: 'message_groups' },
  messages: { span: 'messages-mock-data', subsegment: 'messages', namespace: 'messages' },
  createMessage: { span: 'create-message', subsegment: 'create_message', namespace: 'message' },
} as const satisfies Record<string, ServiceTrace>;
