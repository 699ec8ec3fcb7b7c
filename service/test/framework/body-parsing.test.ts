import { expect } from 'chai';
import { buildApp } from '../support/app';
import { rawRequest } from '../support/http';

const JSON_TYPE = 'application/json';

describe('request bodies', () => {
  it('answers malformed JSON with 400 malformed_json', async () => {
    const res = await buildApp().request().post('/api/activities').type(JSON_TYPE).send('{"message": "hi",').expect(400);
    expect(res.body).to.deep.equal({ error: 'malformed_json', message: 'The request body is not valid JSON' });
  });

  it('answers a JSON array where an object is expected with 400 invalid_body', async () => {
    const res = await buildApp().request().post('/api/activities').type(JSON_TYPE).send('["hi", "1-day"]').expect(400);
    expect(res.body).to.deep.equal({ error: 'invalid_body', message: 'The request body must be a JSON object' });
  });

  it('answers a JSON string where an object is expected with 400 invalid_body', async () => {
    const res = await buildApp().request().post('/api/messages').type(JSON_TYPE).send('"hello"').expect(400);
    expect(res.body).to.have.property('error', 'invalid_body');
  });

  it('treats an empty JSON body as an object with every key missing', async () => {
    await buildApp().request().post('/api/messages').type(JSON_TYPE).send('').expect(422, ['user_reciever_handle_blank', 'message_blank']);
  });

  it('answers a 10 MB body with 413 payload_too_large', async () => {
    const message = 'a'.repeat(10 * 1024 * 1024);
    const res = await buildApp().request().post('/api/activities').send({ message, ttl: '1-day' }).expect(413);
    expect(res.body).to.deep.equal({ error: 'payload_too_large', message: 'The request body is larger than the configured limit' });
  });

  it('takes its limit from BODY_LIMIT', async () => {
    const app = buildApp({ BODY_LIMIT: '1kb' });
    await app.request().post('/api/activities').send({ message: 'a'.repeat(200), ttl: '1-day' }).expect(200);
    await app.request().post('/api/messages').send({ message: 'a'.repeat(1100), user_receiver_handle: 'worf' }).expect(413);
  });

  it('treats a POST with no body and no content type as missing every key', async () => {
    await buildApp().request().post('/api/messages').expect(422, ['user_reciever_handle_blank', 'message_blank']);
  });

  it('answers a body of another media type with 415', async () => {
    const res = await buildApp().request().post('/api/activities').type('text/plain').send('message=hi').expect(415);
    expect(res.body).to.have.property('error', 'unsupported_media_type');
  });

  it('refuses prototype pollution keys as malformed JSON', async () => {
    await buildApp()
      .request()
      .post('/api/activities')
      .type(JSON_TYPE)
      .send('{"__proto__": {"polluted": true}, "message": "x", "ttl": "1-day"}')
      .expect(400);
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
  });

  it('accepts invalid UTF-8 bytes without failing (they become replacement characters)', async () => {
    const body = Buffer.concat([Buffer.from('{"message":"ok '), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('","ttl":"1-day"}')]);
    const res = await rawRequest(buildApp().app, { method: 'POST', path: '/api/activities', headers: { 'content-type': JSON_TYPE }, body });
    expect(res.status).to.equal(200);
    expect((JSON.parse(res.body) as { message: string }).message).to.equal('ok \uFFFD(\uFFFD');
  });
});
