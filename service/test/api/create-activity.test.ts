import { expect } from 'chai';
import { buildApp } from '../support/app';
import { DAY, expectOffset, HOUR } from '../support/iso';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function post(body: unknown) {
  return buildApp().request().post('/api/activities').send(body as object);
}

describe('POST /api/activities', () => {
  it('answers the created activity for the current user', async () => {
    const now = Date.now();
    const res = await post({ message: 'Hello, Cruddur', ttl: '7-days' }).expect(200);
    const body = res.body as Record<string, unknown>;
    expect(body).to.include({ display_name: 'Andrew Brown', handle: 'andrewbrown', message: 'Hello, Cruddur' });
    expect(body.uuid).to.match(UUID_V4);
    expectOffset(body.created_at, now, 0);
    expectOffset(body.expires_at, now, 7 * DAY);
  });

  const ttls: [string, number][] = [
    ['30-days', 30 * DAY],
    ['7-days', 7 * DAY],
    ['3-days', 3 * DAY],
    ['1-day', DAY],
    ['12-hours', 12 * HOUR],
    ['3-hours', 3 * HOUR],
    ['1-hour', HOUR],
  ];
  for (const [ttl, offset] of ttls) {
    it(`sets expires_at ${ttl} after created_at`, async () => {
      const res = await post({ message: 'x', ttl }).expect(200);
      const body = res.body as { created_at: string; expires_at: string };
      expect(Date.parse(body.expires_at) - Date.parse(body.created_at)).to.equal(offset);
    });
  }

  it('answers 422 ttl_blank for an unknown ttl', async () => {
    await post({ message: 'x', ttl: '2-weeks' }).expect(422, ['ttl_blank']);
  });

  it('answers 422 ttl_blank for a ttl that names an object property', async () => {
    await post({ message: 'x', ttl: 'toString' }).expect(422, ['ttl_blank']);
  });

  it('answers every failing code, in check order, when both keys are missing', async () => {
    await post({}).expect(422, ['ttl_blank', 'message_blank']);
  });

  it('answers 422 message_blank for a blank message', async () => {
    await post({ message: '   ', ttl: '1-day' }).expect(422, ['message_blank']);
  });

  it('answers 422 message_blank for a message of the wrong type', async () => {
    await post({ message: 42, ttl: '1-day' }).expect(422, ['message_blank']);
    await post({ message: ['a'], ttl: '1-day' }).expect(422, ['message_blank']);
  });

  it('accepts 280 characters and refuses 281 with message_exceed_max_chars', async () => {
    await post({ message: 'a'.repeat(280), ttl: '1-day' }).expect(200);
    await post({ message: 'a'.repeat(281), ttl: '1-day' }).expect(422, ['message_exceed_max_chars']);
  });

  it('counts emoji and accents as characters, not bytes', async () => {
    const res = await post({ message: '☁️é🚀'.repeat(70), ttl: '1-day' }).expect(200); // 280 code points, 700+ bytes
    expect((res.body as { message: string }).message).to.equal('☁️é🚀'.repeat(70));
    await post({ message: `${'🚀'.repeat(280)}!`, ttl: '1-day' }).expect(422, ['message_exceed_max_chars']);
  });
});
