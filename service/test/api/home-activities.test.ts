import { expect } from 'chai';
import { buildApp } from '../support/app';
import { DAY, expectOffset, HOUR } from '../support/iso';

describe('GET /api/activities/home', () => {
  it('answers the three mock activities in order, with timestamps relative to now', async () => {
    const now = Date.now();
    const res = await buildApp().request().get('/api/activities/home').expect(200).expect('content-type', /application\/json/);
    const body = res.body as Record<string, unknown>[];
    expect(body.map((a) => a.uuid)).to.deep.equal([
      '68f126b0-1ceb-4a33-88be-d90fa7109eee',
      '66e12864-8c26-4c3a-9658-95a10f8fea67',
      '248959df-3079-4947-b847-9e0892d1bab4',
    ]);
    expect(body.map((a) => [a.handle, a.message])).to.deep.equal([
      ['Andrew Brown', 'Cloud is fun!'],
      ['Worf', 'I am out of prune juice'],
      ['Garek', 'My dear doctor, I am just simple tailor'],
    ]);
    expectOffset(body[0]?.created_at, now, -2 * DAY);
    expectOffset(body[0]?.expires_at, now, 5 * DAY);
    expectOffset(body[1]?.created_at, now, -7 * DAY);
    expectOffset(body[1]?.expires_at, now, 9 * DAY);
    expectOffset(body[2]?.created_at, now, -HOUR);
    expectOffset(body[2]?.expires_at, now, 12 * HOUR);
  });

  it('keeps the original shapes: counts on the first item and its reply, `likes` on the others', async () => {
    const res = await buildApp().request().get('/api/activities/home').expect(200);
    const [first, second, third] = res.body as Record<string, unknown>[];
    expect(first).to.include({ likes_count: 5, replies_count: 1, reposts_count: 0 });
    expect(first?.replies).to.have.length(1);
    expect((first?.replies as Record<string, unknown>[])[0]).to.include({
      uuid: '26e12864-1c26-5c3a-9658-97a10f8fea67',
      reply_to_activity_uuid: '68f126b0-1ceb-4a33-88be-d90fa7109eee',
      handle: 'Worf',
      message: 'This post has no honor!',
      likes_count: 0,
      replies_count: 0,
      reposts_count: 0,
    });
    for (const item of [second, third]) {
      expect(item).to.include({ likes: 0 }).and.not.have.property('likes_count');
      expect(item?.replies).to.deep.equal([]);
    }
  });
});
