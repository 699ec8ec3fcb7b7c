import { expect } from 'chai';
import { buildApp } from '../support/app';
import { DAY, expectOffset } from '../support/iso';

describe('GET /api/activities/@:handle', () => {
  it("answers the user's activities", async () => {
    const now = Date.now();
    const res = await buildApp().request().get('/api/activities/@andrewbrown').expect(200);
    const body = res.body as Record<string, unknown>[];
    expect(body).to.have.length(1);
    expect(body[0]).to.include({ uuid: '248959df-3079-4947-b847-9e0892d1bab4', handle: 'Andrew Brown', message: 'Cloud is fun!' });
    expectOffset(body[0]?.created_at, now, -DAY);
    expectOffset(body[0]?.expires_at, now, 31 * DAY);
  });

  it('accepts unicode letters in a handle', async () => {
    await buildApp().request().get(`/api/activities/@${encodeURIComponent('Zoë_ß-1.x')}`).expect(200);
  });

  it('answers 422 blank_user_handle for an empty handle', async () => {
    await buildApp().request().get('/api/activities/@').expect(422, ['blank_user_handle']);
  });

  it('answers 422 blank_user_handle for a handle of spaces', async () => {
    await buildApp().request().get('/api/activities/@%20%20').expect(422, ['blank_user_handle']);
  });

  it('answers 422 invalid_user_handle for a 1,000-character handle', async () => {
    await buildApp().request().get(`/api/activities/@${'a'.repeat(1000)}`).expect(422, ['invalid_user_handle']);
  });

  it('answers 422 invalid_user_handle for a path-traversal-looking handle', async () => {
    await buildApp().request().get('/api/activities/@..%2F..%2Fetc%2Fpasswd').expect(422, ['invalid_user_handle']);
    await buildApp().request().get('/api/activities/@..').expect(422, ['invalid_user_handle']);
  });

  it('answers 422 invalid_user_handle for markup in a handle', async () => {
    await buildApp().request().get(`/api/activities/@${encodeURIComponent('<script>')}`).expect(422, ['invalid_user_handle']);
  });
});
