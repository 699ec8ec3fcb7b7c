import express, { type Express, type RequestHandler } from 'express';
import { homeActivities } from '../../src/services/home-activities';

/** Telemetry hooks the peer wires around its one route; absent in the bare peer. */
export interface PeerTelemetry {
  /** Middleware before the route (aws-xray-sdk-express `openSegment`) and error middleware after it (`closeSegment`). */
  before: RequestHandler;
  after: express.ErrorRequestHandler;
  /** Wraps the handler's work the way the course's handler does: its own span and X-Ray subsegment. */
  traceWork: <T>(run: () => T) => T;
}

/** The peer: the same `/api/activities/home` payload as the service, served by a plain Express app. */
export function createPeerApp(telemetry?: PeerTelemetry): Express {
  const app = express();
  if (telemetry) app.use(telemetry.before);
  app.get('/api/activities/home', (_req, res) => {
    const now = new Date();
    res.json(telemetry ? telemetry.traceWork(() => homeActivities(now)) : homeActivities(now));
  });
  if (telemetry) app.use(telemetry.after);
  return app;
}

/** Listens on PORT and logs `listening` as one JSON line (what the benchmark waits for); exits on SIGTERM. */
export function servePeer(app: Express): void {
  const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    process.stdout.write(`${JSON.stringify({ message: 'listening', port })}\n`);
  });
  // Closing the server lets the process end on its own, after the OpenTelemetry register's own SIGTERM flush.
  process.on('SIGTERM', () => {
    server.close();
    server.closeAllConnections();
  });
}
