import { expect } from 'chai';
import { buildApp } from '../support/app';

function post(body: unknown) {
  return buildApp().request().post('/api/messages').send(body as object);
}

describe('POST /api/messages', () => {
  it('answers the created message', async () => {
    const res = await post({ message: 'Hello Worf', user_receiver_handle: 'worf' }).expect(200);
    const body = res.body as Record<string, unknown>;
    expect(body).to.include({ display_name: 'Andrew Brown', handle: 'andrewbrown', message: 'Hello Worf' });
    expect(body.uuid).to.be.a('string').with.length(36);
  });

  it('answers the misspelt code user_reciever_handle_blank the frontend depends on', async () => {
    await post({ message: 'Hello' }).expect(422, ['user_reciever_handle_blank']);
  });

  it('answers every failing code in check order when both keys are missing', async () => {
    await post({}).expect(422, ['user_reciever_handle_blank', 'message_blank']);
  });

  it('answers 422 for wrong types instead of failing', async () => {
    await post({ message: 42, user_receiver_handle: { handle: 'worf' } }).expect(422, [
      'user_reciever_handle_blank',
      'message_blank',
    ]);
  });

  it('accepts 1,024 characters and refuses 1,025', async () => {
    await post({ message: 'x'.repeat(1024), user_receiver_handle: 'worf' }).expect(200);
    await post({ message: 'x'.repeat(1025), user_receiver_handle: 'worf' }).expect(422, ['message_exceed_max_chars']);
  });
});
