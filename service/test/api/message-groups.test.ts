import { expect } from 'chai';
import { buildApp } from '../support/app';

describe('GET /api/message_groups', () => {
  it('answers the two conversations of the current user', async () => {
    const res = await buildApp().request().get('/api/message_groups').expect(200);
    const body = res.body as Record<string, unknown>[];
    expect(body.map(({ uuid, display_name, handle }) => ({ uuid, display_name, handle }))).to.deep.equal([
      { uuid: '24b95582-9e7b-4e0a-9ad1-639773ab7552', display_name: 'Andrew Brown', handle: 'andrewbrown' },
      { uuid: '417c360e-c4e6-4fce-873b-d2d71469b4ac', display_name: 'Worf', handle: 'worf' },
    ]);
    for (const group of body) expect(group.created_at).to.be.a('string');
  });
});
