import { expect } from 'chai';
import { buildApp } from '../support/app';

describe('GET /api/activities/search', () => {
  it('answers the matching activities for a term', async () => {
    const res = await buildApp().request().get('/api/activities/search?term=cloud').expect(200);
    expect(res.body).to.have.length(1);
    expect((res.body as Record<string, unknown>[])[0]).to.include({
      uuid: '248959df-3079-4947-b847-9e0892d1bab4',
      handle: 'Andrew Brown',
      message: 'Cloud is fun!',
    });
  });

  it('answers 422 search_term_blank without a term', async () => {
    await buildApp().request().get('/api/activities/search').expect(422, ['search_term_blank']);
  });

  it('answers 422 search_term_blank for an empty or blank term', async () => {
    await buildApp().request().get('/api/activities/search?term=').expect(422, ['search_term_blank']);
    await buildApp().request().get('/api/activities/search?term=%20').expect(422, ['search_term_blank']);
  });

  it('answers 422 search_term_blank when the term is given twice (not one string)', async () => {
    await buildApp().request().get('/api/activities/search?term=a&term=b').expect(422, ['search_term_blank']);
  });
});
