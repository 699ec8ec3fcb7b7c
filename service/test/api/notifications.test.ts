import { expect } from 'chai';
import { buildApp } from '../support/app';

describe('GET /api/activities/notifications', () => {
  it('answers one activity shaped like the first home item, from Manny Negussie, with the Worf reply', async () => {
    const res = await buildApp().request().get('/api/activities/notifications').expect(200);
    const body = res.body as Record<string, unknown>[];
    expect(body).to.have.length(1);
    expect(body[0]).to.include({
      uuid: '68f126b0-1ceb-4a33-88be-d90fa7109eee',
      handle: 'Manny Negussie',
      message: 'Cloud is absolutely fun! (Azure UI Supremacy!)',
      likes_count: 5,
      replies_count: 1,
      reposts_count: 0,
    });
    expect((body[0]?.replies as Record<string, unknown>[])[0]).to.include({ handle: 'Worf', message: 'This post has no honor!' });
  });
});
