export { CloudWatchLogs, PUT_LOG_EVENTS_LIMITS } from './cloudwatch-logs.js';
export type { CloudWatchCall, CloudWatchFailure, CloudWatchOperation, SigningScope, StoredLogEvent } from './cloudwatch-logs.js';
export { OtlpReceiver, OtlpSpanKind, OtlpStatusCode } from './otlp-receiver.js';
export type { AttributeValue, Attributes, OtlpFailure, ReceivedSpan, ReceivedTraceRequest } from './otlp-receiver.js';
export { RollbarApi } from './rollbar-api.js';
export type { RollbarItem, RollbarRequest } from './rollbar-api.js';
export { XRayDaemon } from './xray-daemon.js';
export type { MalformedDatagram, XRayDocument } from './xray-daemon.js';
