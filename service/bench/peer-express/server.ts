/**
 * "The usual Express stack", set up as the READMEs show and deliberately not tuned:
 * - OpenTelemetry: `node --require @opentelemetry/auto-instrumentations-node/register` (every auto-instrumentation,
 *   configured by OTEL_* variables);
 * - X-Ray: aws-xray-sdk-express `openSegment`/`closeSegment` around the routes, in the SDK's default automatic
 *   (cls-hooked) mode, with `AWSXRay.getSegment()` in the handler.
 */
import { trace } from '@opentelemetry/api';
import AWSXRay from 'aws-xray-sdk-core';
import xrayExpress from 'aws-xray-sdk-express';
import { createPeerApp, servePeer } from './app';

// The stand-in daemon has no sampling API: local rules only, from the same file the service is given.
AWSXRay.middleware.disableCentralizedSampling();
if (process.env.XRAY_SAMPLING_RULES) AWSXRay.middleware.setSamplingRules(process.env.XRAY_SAMPLING_RULES);

const tracer = trace.getTracer('peer-express');

servePeer(
  createPeerApp({
    before: xrayExpress.openSegment('peer-express'),
    after: xrayExpress.closeSegment(),
    traceWork: (run) =>
      tracer.startActiveSpan('home-activities-mock-data', (span) => {
        const subsegment = AWSXRay.getSegment()?.addNewSubsegment('home_activities');
        try {
          return run();
        } finally {
          subsegment?.close();
          span.end();
        }
      }),
  }),
);
