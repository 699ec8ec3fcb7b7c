import { type ClientRequest, request } from 'node:http';
import type Koa from 'koa';
import { startServer } from '../../src/framework/server';

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface RawRequest {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
}

/** One request on its own connection, with exact bytes (supertest would re-encode a body). */
export function send(port: number, options: RawRequest): Promise<RawAnswer> {
  return new Promise<RawAnswer>((resolve, reject) => {
    const { method = 'GET', path, headers } = options;
    const req = request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
      });
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** `send` to a Koa app served on an ephemeral port for the one request. */
export async function rawRequest(app: Koa, options: RawRequest): Promise<RawAnswer> {
  const { port, drain } = await startServer(app, { port: 0, host: '127.0.0.1', keepAliveTimeoutMs: 5_000 });
  try {
    return await send(port, options);
  } finally {
    await drain(1_000);
  }
}

/**
 * A POST whose body is only half sent: the request stays in flight until `finish()`. It asks for `100 Continue`, which
 * Node's server answers once it has parsed the headers and handed the request to the app: `received` resolves then,
 * when the server holds the request (a connection alone may still sit in a queue or a proxy).
 */
export function halfSentPost(port: number, message: string) {
  const body = JSON.stringify({ message, ttl: '1-day' });
  let req!: ClientRequest;
  let received!: Promise<void>;
  const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/api/activities',
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), expect: '100-continue' },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body: text });
        });
      },
    );
    req.on('error', reject);
    received = new Promise<void>((resolve, rejectReceived) => {
      req.once('continue', () => {
        req.write(body.slice(0, 10));
        resolve();
      });
      req.once('error', rejectReceived);
    });
    req.flushHeaders();
  });
  return { answered, received, finish: () => req.end(body.slice(10)) };
}
