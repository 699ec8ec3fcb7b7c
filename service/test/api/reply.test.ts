import { expect } from 'chai';
import { buildApp } from '../support/app';

const ACTIVITY = '68f126b0-1ceb-4a33-88be-d90fa7109eee';

describe('POST /api/activities/:activity_uuid/reply', () => {
  it('answers 200 with the reply (the original crashed here)', async () => {
    const res = await buildApp().request().post(`/api/activities/${ACTIVITY}/reply`).send({ message: 'Qapla!' }).expect(200);
    const body = res.body as Record<string, unknown>;
    expect(body).to.include({
      display_name: 'Andrew Brown',
      handle: 'andrewbrown',
      message: 'Qapla!',
      reply_to_activity_uuid: ACTIVITY,
    });
    expect(body.uuid).to.be.a('string').with.length(36);
    expect(body.created_at).to.be.a('string');
  });

  it('answers 422 message_blank when the message key is missing (the original crashed)', async () => {
    await buildApp().request().post(`/api/activities/${ACTIVITY}/reply`).send({}).expect(422, ['message_blank']);
  });

  it('answers 422 activity_uuid_blank and message_blank together for a blank id and message', async () => {
    await buildApp()
      .request()
      .post('/api/activities/%20/reply')
      .send({ message: '' })
      .expect(422, ['activity_uuid_blank', 'message_blank']);
  });

  it('accepts 1,024 characters and refuses 1,025', async () => {
    const app = buildApp();
    await app.request().post(`/api/activities/${ACTIVITY}/reply`).send({ message: 'é'.repeat(1024) }).expect(200);
    await app
      .request()
      .post(`/api/activities/${ACTIVITY}/reply`)
      .send({ message: 'é'.repeat(1025) })
      .expect(422, ['message_exceed_max_chars']);
  });
});
