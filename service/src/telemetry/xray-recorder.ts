import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TelemetryConfig } from '../config';
import type { Logger } from './logger';
import { BurstingUdpSocket, daemonTarget } from './udp-bursts';
import localSamplingRules from './xray-sampling-rules.json';
import {
  type RequestSegment,
  type RequestSegmentFactory,
  requestSegmentFactory,
  type SegmentEmitter,
  type SegmentIds,
  type XRaySdk,
} from './xray-segment';

type SamplingDecision = boolean | string;
interface Sampler {
  shouldSample(request: { host?: string; httpMethod?: string; urlPath?: string; serviceName: string }): SamplingDecision;
}

/**
 * Loads the X-Ray SDK in manual mode. Automatic mode keeps the segment in cls-hooked, whose async hook runs on
 * every promise of the process, has leaked memory (aws-xray-sdk-node #594, #483, #517), and is enabled as the
 * module loads — switching to manual afterwards leaves the hook running. The request's segment travels in our
 * own request context instead (node:async_hooks AsyncLocalStorage). So the mode is set before the first require.
 */
function loadSdk(daemonAddress: string): { sdk: XRaySdk; emitter: SegmentEmitter } {
  process.env.AWS_XRAY_MANUAL_MODE = 'true';
  // The SDK parses AWS_XRAY_DAEMON_ADDRESS as it loads, throws on `udp:[::1]:2000 tcp:[::1]:2000` and misreads
  // `[::1]:2000`, and then ignores setDaemonAddress. config.ts has read and checked it: the SDK is given it below,
  // only where it needs it (the TCP sampling poll).
  delete process.env.AWS_XRAY_DAEMON_ADDRESS;
  /* eslint-disable @typescript-eslint/no-require-imports -- must load after the variable above is set */
  const sdk = require('aws-xray-sdk-core') as XRaySdk;
  // The package has no exports map: its emitter module is reachable as the SDK itself requires it.
  const emitter = require('aws-xray-sdk-core/dist/lib/segment_emitter') as SegmentEmitter & { socket?: BurstingUdpSocket };
  /* eslint-enable @typescript-eslint/no-require-imports */
  // The emitter creates its own socket only when none is set. This one resolves a daemon host name once, and
  // takes the address itself: the SDK's parse of AWS_XRAY_DAEMON_ADDRESS breaks IPv6 literals.
  emitter.socket = new BurstingUdpSocket({ target: daemonTarget(daemonAddress) });
  return { sdk, emitter };
}

/** Opens, fills and closes request segments; sampling follows the local rules or the daemon's centralized ones. */
export class XRayRecorder {
  private constructor(
    private readonly sdk: XRaySdk,
    private readonly newSegment: RequestSegmentFactory,
    readonly segmentName: string,
    private readonly version: string,
  ) {}

  /**
   * `version` is the service's (TelemetryConfig.serviceVersion), the one its spans carry. `rules`: whether X-Ray's
   * sampling rules decide (head sampling); with the decision at request end they are never asked, nor polled.
   */
  static start(config: TelemetryConfig['xray'], version: string, logger: Logger, { rules }: { rules: boolean }): XRayRecorder {
    const { sdk, emitter } = loadSdk(config.daemonAddress);
    // The SDK fills the segment's service.version from npm's variables, which `node` alone does not set.
    const defaults = sdk.SegmentUtils as typeof sdk.SegmentUtils & { serviceData?: object };
    sdk.SegmentUtils.setServiceData({ ...defaults.serviceData, version });
    // The SDK's own messages (a missing daemon, a failed sampling poll) are debug detail, not errors of ours.
    // It writes several per request: checking the level first spares each a trip through winston's formats.
    const debug = (message: string) => {
      if (logger.isDebugEnabled()) logger.debug(message, { component: 'xray' });
    };
    sdk.setLogger({ debug, info: debug, warn: debug, error: debug });
    sdk.setContextMissingStrategy('IGNORE_ERROR'); // never fail a request for want of a segment
    // Segments go through the socket above; only the centralized rules' poll uses the SDK's (TCP) address.
    if (config.centralizedSampling && rules) sdk.setDaemonAddress(config.daemonAddress);
    else sdk.middleware.disableCentralizedSampling();
    sdk.middleware.setSamplingRules(config.samplingRules ?? localSamplingRules);
    return new XRayRecorder(sdk, requestSegmentFactory(sdk, emitter), config.segmentName, version);
  }

  /** The rules' decision for a request no caller decided for. */
  sample(req: IncomingMessage): SamplingDecision {
    // Replaced by disableCentralizedSampling(), so read at each call.
    const { sampler } = this.sdk.middleware as unknown as { sampler: Sampler };
    return sampler.shouldSample({
      host: req.headers.host,
      httpMethod: req.method,
      urlPath: req.url,
      serviceName: this.segmentName,
    });
  }

  /** A segment with the request's trace id and, as its own id, the id of the request's server span. */
  openSegment(ids: SegmentIds): RequestSegment {
    return this.newSegment(this.segmentName, ids);
  }

  /**
   * Records the request and its answer, and sends the segment to the daemon (UDP: never waits, never throws). The
   * request's data is read here, not when the segment opens: a segment decided at request end may never be sent.
   */
  closeSegment(segment: RequestSegment, req: IncomingMessage, res: ServerResponse, route: string | undefined): void {
    segment.addIncomingRequestData(new this.sdk.middleware.IncomingRequestData(req));
    // An annotation, unlike service.version, is indexed: `annotation.version = "0.1.0+abc1234"` filters by it.
    segment.addAnnotation('version', this.version);
    const status = res.statusCode;
    if (status === 429) segment.addThrottleFlag();
    if (status >= 500) segment.addFaultFlag();
    else if (status >= 400) segment.addErrorFlag();
    if (route) segment.addAnnotation('route', route);
    const { http } = segment as RequestSegment & { http?: { close(res: ServerResponse): void; response?: { content_length?: number } } };
    http?.close(res);
    // The SDK reads Content-Length from `res.headers`, which only client responses have.
    const length = Number(res.getHeader('content-length'));
    if (http?.response && Number.isInteger(length)) http.response.content_length = length;
    segment.close();
  }
}
