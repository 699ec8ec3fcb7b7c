/** Every route of the contract, with a path that reaches it and the methods it allows. */
export const ROUTES: { path: string; allow: string[] }[] = [
  { path: '/api/activities/home', allow: ['GET', 'HEAD'] },
  { path: '/api/activities/notifications', allow: ['GET', 'HEAD'] },
  { path: '/api/activities/@andrewbrown', allow: ['GET', 'HEAD'] },
  { path: '/api/activities/search?term=cloud', allow: ['GET', 'HEAD'] },
  { path: '/api/activities', allow: ['POST'] },
  { path: '/api/activities/68f126b0-1ceb-4a33-88be-d90fa7109eee', allow: ['GET', 'HEAD'] },
  { path: '/api/activities/68f126b0-1ceb-4a33-88be-d90fa7109eee/reply', allow: ['POST'] },
  { path: '/api/message_groups', allow: ['GET', 'HEAD'] },
  { path: '/api/messages/@worf', allow: ['GET', 'HEAD'] },
  { path: '/api/messages', allow: ['POST'] },
  { path: '/health', allow: ['GET', 'HEAD'] },
  { path: '/ready', allow: ['GET', 'HEAD'] },
];
