import { expect } from 'chai';
import { buildApp } from '../support/app';

describe('GET /api/messages/@:handle', () => {
  it('answers the two messages of the conversation', async () => {
    const res = await buildApp().request().get('/api/messages/@worf').expect(200);
    const body = res.body as Record<string, unknown>[];
    expect(body.map(({ uuid, message, handle }) => ({ uuid, message, handle }))).to.deep.equal([
      { uuid: '4e81c06a-db0f-4281-b4cc-98208537772a', message: 'Cloud is fun!', handle: 'andrewbrown' },
      { uuid: '66e12864-8c26-4c3a-9658-95a10f8fea67', message: 'This platform is great!', handle: 'andrewbrown' },
    ]);
  });

  it('answers 422 blank_user_handle for an empty handle', async () => {
    await buildApp().request().get('/api/messages/@').expect(422, ['blank_user_handle']);
  });

  it('answers 422 invalid_user_handle for a path-traversal-looking handle', async () => {
    await buildApp().request().get('/api/messages/@..%2F..').expect(422, ['invalid_user_handle']);
  });
});
