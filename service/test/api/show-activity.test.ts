import { expect } from 'chai';
import { buildApp } from '../support/app';
import { DAY, expectOffset } from '../support/iso';

describe('GET /api/activities/:activity_uuid', () => {
  it('answers 200 with the activity and its replies (the original crashed here)', async () => {
    const now = Date.now();
    const res = await buildApp().request().get('/api/activities/68f126b0-1ceb-4a33-88be-d90fa7109eee').expect(200);
    const body = res.body as Record<string, unknown>;
    expect(body).to.include({ uuid: '68f126b0-1ceb-4a33-88be-d90fa7109eee', handle: 'Andrew Brown', message: 'Cloud is fun!' });
    expectOffset(body.created_at, now, -2 * DAY);
    expectOffset(body.expires_at, now, 5 * DAY);
    expect(body.replies).to.have.length(1);
    expect((body.replies as Record<string, unknown>[])[0]).to.include({
      uuid: '26e12864-1c26-5c3a-9658-97a10f8fea67',
      handle: 'Worf',
      message: 'This post has no honor!',
    });
  });
});
