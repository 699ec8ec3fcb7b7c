/** The peer without telemetry: the baseline its instrumented twin (server.ts) is compared with. */
import { createPeerApp, servePeer } from './app';

servePeer(createPeerApp());
