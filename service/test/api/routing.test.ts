import { expect } from 'chai';
import { buildApp } from '../support/app';
import { ROUTES } from './routes';

function allowOf(header: string | undefined): string[] {
  return (header ?? '').split(',').map((method) => method.trim()).filter(Boolean).sort();
}

/** The uuids of an answer's items (their timestamps are made per request). */
function uuids(body: unknown): string[] {
  return (body as { uuid: string }[]).map((item) => item.uuid);
}

describe('routing', () => {
  it('lets static segments win over :activity_uuid', async () => {
    const app = buildApp();
    expect((await app.request().get('/api/activities/home').expect(200)).body).to.have.length(3);
    expect((await app.request().get('/api/activities/notifications').expect(200)).body).to.have.length(1);
    await app.request().get('/api/activities/search').expect(422, ['search_term_blank']);
  });

  it('reads repeated slashes as one, as the original did (a backend URL ending in /)', async () => {
    const app = buildApp();
    const res = await app.request().get('//api/activities//home').expect(200);
    expect(uuids(res.body)).to.deep.equal(uuids((await app.request().get('/api/activities/home')).body));
  });

  it('reads a percent-encoded @ as @, as the original did: the user feed and the conversation', async () => {
    const app = buildApp();
    const feed = await app.request().get('/api/activities/%40andrewbrown').expect(200);
    expect(uuids(feed.body)).to.deep.equal(uuids((await app.request().get('/api/activities/@andrewbrown')).body));
    const messages = await app.request().get('/api/messages/%40worf?x=1').expect(200);
    expect(uuids(messages.body)).to.deep.equal(uuids((await app.request().get('/api/messages/@worf')).body));
  });

  it('answers an unknown path with a JSON 404', async () => {
    const res = await buildApp().request().get('/api/nothing/here').expect(404).expect('content-type', /json/);
    expect(res.body).to.deep.equal({ error: 'not_found', message: 'Not Found' });
  });

  it('answers a method the router does not implement (TRACE) with 405 and Allow, not 501', async () => {
    const res = await buildApp().request().trace('/api/activities/home').expect(405);
    expect(allowOf(res.headers.allow)).to.deep.equal(['GET', 'HEAD']);
    expect(res.body).to.deep.equal({ error: 'method_not_allowed', message: 'Method Not Allowed' });
  });

  it('answers a method the router does not implement (TRACE) on an unknown path with 404, not 501', async () => {
    await buildApp().request().trace('/api/nothing').expect(404);
  });

  for (const { path, allow } of ROUTES) {
    it(`answers a wrong method on ${path.split('?')[0]} with 405 and Allow: ${allow.join(', ')}`, async () => {
      const wrong = allow.includes('POST') ? 'put' : 'delete';
      const res = await buildApp().request()[wrong](path).expect(405).expect('content-type', /json/);
      expect(allowOf(res.headers.allow)).to.deep.equal([...allow].sort());
      expect(res.body).to.deep.equal({ error: 'method_not_allowed', message: 'Method Not Allowed' });
    });

    it(`answers OPTIONS on ${path.split('?')[0]} with its allowed methods`, async () => {
      const res = await buildApp().request().options(path).expect(200);
      expect(allowOf(res.headers.allow)).to.deep.equal([...allow].sort());
    });

    if (allow.includes('HEAD')) {
      it(`answers HEAD on ${path.split('?')[0]} like GET, without a body`, async () => {
        const app = buildApp();
        const get = await app.request().get(path);
        const head = await app.request().head(path).expect(get.status);
        expect(head.headers['content-type']).to.equal(get.headers['content-type']);
        expect(head.text).to.equal(undefined);
      });
    } else {
      it(`answers HEAD on ${path.split('?')[0]} with 405`, async () => {
        await buildApp().request().head(path).expect(405);
      });
    }
  }
});
