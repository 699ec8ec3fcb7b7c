import type Router from '@koa/router';
import { expect } from 'chai';
import type { Test } from 'supertest';
import document from '../../src/api/openapi.json';
import { isBlank, isValidHandle } from '../../src/services/validation';
import { buildApp, type TestApp } from '../support/app';
import { expectDocumentedAnswer, expectSharedAnswer, OPENAPI } from '../support/openapi';

const ACTIVITY = '68f126b0-1ceb-4a33-88be-d90fa7109eee';
const SCHEMAS = document.components.schemas;

interface Call {
  method: 'get' | 'head' | 'post';
  url: string;
  /** The document's path the call reaches. */
  template: string;
  body?: string;
}

/**
 * Valid and invalid calls of every route the document lists, the debug routes with DEBUG_ROUTES=true; but POST
 * /debug/crash, which ends the process it runs in (service/test/telemetry/uncaught.test.ts runs it in its own).
 */
const CALLS: Call[] = [
  { method: 'get', url: '/api/activities/home', template: '/api/activities/home' },
  { method: 'head', url: '/api/activities/home', template: '/api/activities/home' },
  { method: 'get', url: '/api/activities/notifications', template: '/api/activities/notifications' },
  { method: 'get', url: '/api/activities/search?term=cloud', template: '/api/activities/search' },
  { method: 'get', url: '/api/activities/search', template: '/api/activities/search' },
  { method: 'get', url: '/api/activities/search?term=%20%09', template: '/api/activities/search' },
  { method: 'head', url: '/api/activities/search', template: '/api/activities/search' },
  { method: 'get', url: '/api/activities/@andrewbrown', template: '/api/activities/@{handle}' },
  { method: 'get', url: '/api/activities/%40andrewbrown', template: '/api/activities/@{handle}' },
  { method: 'get', url: '/api/activities/@', template: '/api/activities/@{handle}' },
  { method: 'get', url: '/api/activities/@..', template: '/api/activities/@{handle}' },
  { method: 'head', url: '/api/activities/@a%20b', template: '/api/activities/@{handle}' },
  { method: 'post', url: '/api/activities', template: '/api/activities', body: '{"message":"Hello","ttl":"7-days"}' },
  { method: 'post', url: '/api/activities', template: '/api/activities', body: '{}' },
  { method: 'post', url: '/api/activities', template: '/api/activities', body: `{"message":"${'a'.repeat(281)}","ttl":"1-day"}` },
  { method: 'post', url: '/api/activities', template: '/api/activities', body: '{"message":' },
  { method: 'post', url: '/api/activities', template: '/api/activities', body: '["Hello"]' },
  { method: 'post', url: '/api/activities', template: '/api/activities', body: '{"__proto__":{},"message":"x","ttl":"1-day"}' },
  { method: 'get', url: `/api/activities/${ACTIVITY}`, template: '/api/activities/{activity_uuid}' },
  { method: 'head', url: `/api/activities/${ACTIVITY}`, template: '/api/activities/{activity_uuid}' },
  { method: 'post', url: `/api/activities/${ACTIVITY}/reply`, template: '/api/activities/{activity_uuid}/reply', body: '{"message":"Qapla!"}' },
  { method: 'post', url: '/api/activities/%20/reply', template: '/api/activities/{activity_uuid}/reply', body: '{"message":" "}' },
  { method: 'get', url: '/api/message_groups', template: '/api/message_groups' },
  { method: 'get', url: '/api/messages/@worf', template: '/api/messages/@{handle}' },
  { method: 'get', url: '/api/messages/@', template: '/api/messages/@{handle}' },
  { method: 'get', url: '/api/messages/@%3Cscript%3E', template: '/api/messages/@{handle}' },
  { method: 'post', url: '/api/messages', template: '/api/messages', body: '{"message":"Hi","user_receiver_handle":"worf"}' },
  { method: 'post', url: '/api/messages', template: '/api/messages', body: `{"message":"${'a'.repeat(1025)}"}` },
  { method: 'get', url: '/rollbar/test', template: '/rollbar/test' },
  { method: 'get', url: '/health', template: '/health' },
  { method: 'head', url: '/health', template: '/health' },
  { method: 'get', url: '/ready', template: '/ready' },
  { method: 'get', url: '/openapi.json', template: '/openapi.json' },
  { method: 'get', url: '/debug/error', template: '/debug/error' },
];

function send(app: TestApp, { method, url, body }: Call): Test {
  const request = app.request()[method](url);
  return body === undefined ? request : request.type('application/json').send(body);
}

/** "GET /api/activities/@{handle}" for each method of each route the app's router registers. */
function registeredRoutes(app: TestApp): string[] {
  const dispatch = app.app.middleware.find((middleware) => 'router' in middleware) as unknown as { router: Router };
  return dispatch.router.stack.flatMap((layer) =>
    layer.methods.map((method) => {
      // The empty-handle routes are the document's @{handle} with an empty handle (422 blank_user_handle).
      const template = String(layer.path).replace(/:(\w+)/g, '{$1}').replace(/@$/, '@{handle}');
      return `${method} ${template}`;
    }),
  );
}

function documentedRoutes(): string[] {
  return Object.entries(OPENAPI.paths).flatMap(([template, item]) =>
    Object.keys(item)
      .filter((key) => key !== 'parameters')
      .map((method) => `${method.toUpperCase()} ${template}`),
  );
}

function codePoints(last: number): string[] {
  const characters: string[] = [];
  for (let codePoint = 0; codePoint <= last; codePoint++) {
    if (codePoint < 0xd800 || codePoint > 0xdfff) characters.push(String.fromCodePoint(codePoint));
  }
  return characters;
}

describe('the OpenAPI document (service/src/api/openapi.json)', () => {
  it('is served at GET /openapi.json', async () => {
    const res = await buildApp().request().get('/openapi.json').expect(200).expect('content-type', /application\/json/);
    expect(res.body).to.deep.equal(document);
  });

  it('lists every route the router registers, and no other', () => {
    const registered = new Set(registeredRoutes(buildApp({ DEBUG_ROUTES: 'true' })));
    expect(documentedRoutes().sort()).to.deep.equal([...registered].sort());
  });

  for (const call of CALLS) {
    it(`describes the answer to ${call.method.toUpperCase()} ${call.url}${call.body ? ` ${call.body.slice(0, 40)}` : ''}`, async () => {
      const app = buildApp({ DEBUG_ROUTES: 'true' });
      expectDocumentedAnswer(await send(app, call), call.method, call.template);
    });
  }

  it('describes the answer to a method a path lacks (405 with Allow)', async () => {
    expectSharedAnswer(await buildApp().request().delete('/api/activities/home'), 'MethodNotAllowed', 'delete');
  });

  it('describes the answer to an unknown path (404)', async () => {
    expectSharedAnswer(await buildApp().request().get('/api/nothing'), 'NotFound', 'get');
  });

  it('describes the answer to OPTIONS', async () => {
    expectSharedAnswer(await buildApp().request().options('/api/activities/home'), 'Options', 'options');
  });

  it('describes the answer to OPTIONS on a probe', async () => {
    expectSharedAnswer(await buildApp().request().options('/health'), 'ProbeOptions', 'options');
  });

  it('describes the answer to a CORS preflight', async () => {
    const res = await buildApp({ FRONTEND_URL: 'https://cruddur.example' })
      .request()
      .options('/api/messages')
      .set('Origin', 'https://cruddur.example')
      .set('Access-Control-Request-Method', 'POST');
    expect(res.status).to.equal(204);
    expectSharedAnswer(res, 'Preflight', 'options');
  });

  it('describes the answer to a body over BODY_LIMIT (413)', async () => {
    const res = await buildApp({ BODY_LIMIT: '1kb' }).request().post('/api/messages').send({ message: 'a'.repeat(2048) });
    expectDocumentedAnswer(res, 'post', '/api/messages');
  });

  it('describes the answer to a body of another media type (415)', async () => {
    const res = await buildApp().request().post('/api/messages').type('text/plain').send('hello');
    expectDocumentedAnswer(res, 'post', '/api/messages');
  });

  it('calls blank exactly what the service calls blank (every code point of the Basic Multilingual Plane)', () => {
    const notBlank = new RegExp(SCHEMAS.NotBlank.pattern, 'u');
    const disagreements = codePoints(0xffff).filter((character) => notBlank.test(character) === isBlank(character));
    expect(disagreements).to.deep.equal([]);
  });

  it('calls an activity id only what the router takes for one: not @…, nor its percent-encoded %40… (found by make fuzz)', async () => {
    const parameter = document.paths['/api/activities/{activity_uuid}'].parameters[0];
    const id = new RegExp(parameter?.schema.pattern ?? '', 'u');
    const app = buildApp();
    for (const sample of ['%40andrewbrown', '@andrewbrown', '%40']) {
      expect(id.test(sample), sample).to.equal(false);
      // The user feed answers (a list, or 422 for an empty handle), not the show-activity object.
      const answer = await app.request().get(`/api/activities/${sample}`);
      expect(Array.isArray(answer.body) || answer.status === 422, sample).to.equal(true);
    }
    for (const sample of [ACTIVITY, '%41b', '%4', '%2540x']) expect(id.test(sample), sample).to.equal(true);
  });

  it('accepts exactly the handles the service accepts (every code point, and dots alone)', () => {
    const handle = new RegExp(SCHEMAS.Handle.pattern, 'u');
    const samples = [...codePoints(0x10ffff), '..', '.a.', 'a'.repeat(64), 'a'.repeat(65)];
    const disagreements = samples.filter((sample) => handle.test(sample) !== isValidHandle(sample));
    expect(disagreements).to.deep.equal([]);
  });
});
