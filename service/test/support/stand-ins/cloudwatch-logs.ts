import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, type AwsCall, checkSignature, type SigningScope } from './aws-protocol.js';
import { flattenHeaders, HttpStandIn, readBody } from './http-server.js';
import { FailurePlan, Waiters } from './recording.js';

export type CloudWatchOperation =
  | 'CreateLogGroup'
  | 'CreateLogStream'
  | 'PutLogEvents'
  | 'DescribeLogStreams'
  | 'DescribeLogGroups'
  | 'PutRetentionPolicy';

export interface StoredLogEvent {
  timestamp: number;
  message: string;
  ingestionTime: number;
}

export type { SigningScope };

/** A CloudWatch Logs call; its operation comes from `X-Amz-Target: Logs_20140328.<Operation>`. */
export type CloudWatchCall = AwsCall;

/** What the stand-in answers instead of serving the next call(s). */
export type CloudWatchFailure =
  | { kind: 'throttle' }
  | { kind: 'server-error'; status: 500 | 503 }
  | { kind: 'error'; status: number; type: string; message: string }
  | { kind: 'hang' };

/** PutLogEvents limits, per the API reference. */
export const PUT_LOG_EVENTS_LIMITS = {
  maxEvents: 10_000,
  /** Sum of the messages' UTF-8 bytes plus `eventOverheadBytes` per event. */
  maxBatchBytes: 1_048_576,
  eventOverheadBytes: 26,
  maxSpanMs: 24 * 60 * 60 * 1000,
  /** Older events are rejected individually (rejectedLogEventsInfo), not the batch. */
  maxAgeMs: 14 * 24 * 60 * 60 * 1000,
  maxFutureMs: 2 * 60 * 60 * 1000,
} as const;

const TARGET_PREFIX = 'Logs_20140328.';
const CONTENT_TYPE = 'application/x-amz-json-1.1';
const ACCOUNT_ID = '000000000000';
const LOG_GROUP_NAME_PATTERN = /^[.\-_/#A-Za-z0-9]{1,512}$/;
const LOG_STREAM_NAME_PATTERN = /^[^:*]{1,512}$/;
/** The periods PutRetentionPolicy accepts. */
const RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

interface LogStream {
  creationTime: number;
  events: StoredLogEvent[];
}

interface LogGroup {
  creationTime: number;
  /** Unset: events never expire. */
  retentionInDays: number | undefined;
  streams: Map<string, LogStream>;
}


const invalidParameter = (message: string): ApiError => new ApiError(400, 'InvalidParameterException', message);

/**
 * The CloudWatch Logs API (AWS JSON 1.1 protocol) on loopback, for the operations a
 * log shipper uses, with the service's validation, errors and PutLogEvents limits.
 * Requests must carry a SigV4 Authorization header; the signature itself is not verified.
 */
export class CloudWatchLogs extends HttpStandIn {
  readonly calls: CloudWatchCall[] = [];
  private readonly groups = new Map<string, LogGroup>();
  private readonly failures = new FailurePlan<CloudWatchFailure, CloudWatchOperation>();
  private readonly waiters = new Waiters();
  private readonly held = new Set<ServerResponse>();

  protected override beforeStop(): void {
    this.releaseHeld();
  }

  /** Forgets all groups, streams, calls and planned failures. */
  reset(): void {
    this.calls.length = 0;
    this.groups.clear();
    this.failures.clear();
    this.releaseHeld();
  }

  /** The next `count` calls (of `operation`, if given) get `failure` instead of being served. */
  failNext(count: number, failure: CloudWatchFailure, operation?: CloudWatchOperation): void {
    this.failures.add(count, failure, operation);
  }

  callsOf(operation: CloudWatchOperation): CloudWatchCall[] {
    return this.calls.filter((call) => call.operation === operation);
  }

  logGroupNames(): string[] {
    return [...this.groups.keys()];
  }

  /** The group's retention in days; undefined when its events never expire (or there is no such group). */
  retentionInDays(logGroupName: string): number | undefined {
    return this.groups.get(logGroupName)?.retentionInDays;
  }

  logStreamNames(logGroupName: string): string[] {
    return [...(this.groups.get(logGroupName)?.streams.keys() ?? [])];
  }

  /** The events stored in a stream, in the order they were accepted. */
  events(logGroupName: string, logStreamName: string): StoredLogEvent[] {
    return this.groups.get(logGroupName)?.streams.get(logStreamName)?.events ?? [];
  }

  messages(logGroupName: string, logStreamName: string): string[] {
    return this.events(logGroupName, logStreamName).map((e) => e.message);
  }

  /** Resolves with the stream's events once it holds at least `count`. */
  waitForEvents(logGroupName: string, logStreamName: string, count: number, timeoutMs = 5000): Promise<StoredLogEvent[]> {
    return this.waiters.waitFor(
      () => {
        const events = this.events(logGroupName, logStreamName);
        return events.length >= count ? events : undefined;
      },
      timeoutMs,
      () => `${count} event(s) in ${logGroupName}/${logStreamName}; it holds ${this.events(logGroupName, logStreamName).length}`,
    );
  }

  protected override async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const headers = flattenHeaders(req);
    const target = headers['x-amz-target'] ?? '';
    const call: CloudWatchCall = {
      operation: target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : target,
      input: {},
      headers,
      status: 0,
      errorType: undefined,
      signedWith: undefined,
    };
    this.calls.push(call);
    try {
      call.signedWith = checkSignature(headers, 'logs');
      call.input = parseInput(req, headers, body);
      const failure = this.failures.take(call.operation as CloudWatchOperation);
      if (failure?.kind === 'hang') {
        this.held.add(res);
        this.waiters.notify();
        return;
      }
      if (failure) throw toApiError(failure);
      this.answer(res, call, 200, this.serve(call.operation, call.input, call.signedWith.region));
    } catch (error) {
      const apiError = error instanceof ApiError ? error : new ApiError(500, 'InternalFailure', String(error));
      call.errorType = apiError.type;
      this.answer(res, call, apiError.status, { __type: apiError.type, message: apiError.message });
    }
  }

  private serve(operation: string, input: Record<string, unknown>, region: string): object {
    switch (operation) {
      case 'CreateLogGroup':
        return this.createLogGroup(input);
      case 'CreateLogStream':
        return this.createLogStream(input);
      case 'PutLogEvents':
        return this.putLogEvents(input);
      case 'DescribeLogStreams':
        return this.describeLogStreams(input, region);
      case 'DescribeLogGroups':
        return this.describeLogGroups(input, region);
      case 'PutRetentionPolicy':
        return this.putRetentionPolicy(input);
      default:
        throw new ApiError(400, 'UnknownOperationException', `Unknown operation ${operation}`);
    }
  }

  private createLogGroup(input: Record<string, unknown>): object {
    const name = requireName(input, 'logGroupName', LOG_GROUP_NAME_PATTERN);
    if (this.groups.has(name)) throw new ApiError(400, 'ResourceAlreadyExistsException', 'The specified log group already exists');
    this.groups.set(name, { creationTime: Date.now(), retentionInDays: undefined, streams: new Map() });
    return {};
  }

  private createLogStream(input: Record<string, unknown>): object {
    const group = this.group(requireName(input, 'logGroupName', LOG_GROUP_NAME_PATTERN));
    const name = requireName(input, 'logStreamName', LOG_STREAM_NAME_PATTERN);
    if (group.streams.has(name)) throw new ApiError(400, 'ResourceAlreadyExistsException', 'The specified log stream already exists');
    group.streams.set(name, { creationTime: Date.now(), events: [] });
    return {};
  }

  private putLogEvents(input: Record<string, unknown>): object {
    const group = this.group(requireName(input, 'logGroupName', LOG_GROUP_NAME_PATTERN));
    const streamName = requireName(input, 'logStreamName', LOG_STREAM_NAME_PATTERN);
    const stream = group.streams.get(streamName);
    if (!stream) throw new ApiError(400, 'ResourceNotFoundException', 'The specified log stream does not exist.');
    const events = validateBatch(input.logEvents);

    const now = Date.now();
    const tooOldEnd = events.findLastIndex((e) => e.timestamp < now - PUT_LOG_EVENTS_LIMITS.maxAgeMs);
    const tooNewStart = events.findIndex((e) => e.timestamp > now + PUT_LOG_EVENTS_LIMITS.maxFutureMs);
    const accepted = events.slice(tooOldEnd + 1, tooNewStart < 0 ? undefined : tooNewStart);
    const first = accepted[0];
    const last = accepted.at(-1);
    if (first && last && last.timestamp - first.timestamp > PUT_LOG_EVENTS_LIMITS.maxSpanMs) {
      throw invalidParameter('The batch of log events in a single PutLogEvents request cannot span more than 24 hours.');
    }
    stream.events.push(...accepted.map((e) => ({ ...e, ingestionTime: now })));
    this.waiters.notify();

    const rejected = {
      ...(tooOldEnd >= 0 ? { tooOldLogEventEndIndex: tooOldEnd } : {}),
      ...(tooNewStart >= 0 ? { tooNewLogEventStartIndex: tooNewStart } : {}),
    };
    return {
      nextSequenceToken: randomUUID().replaceAll('-', ''),
      ...(Object.keys(rejected).length > 0 ? { rejectedLogEventsInfo: rejected } : {}),
    };
  }

  private describeLogStreams(input: Record<string, unknown>, region: string): object {
    const groupName = requireName(input, 'logGroupName', LOG_GROUP_NAME_PATTERN);
    const group = this.group(groupName);
    const prefix = typeof input.logStreamNamePrefix === 'string' ? input.logStreamNamePrefix : '';
    if (prefix !== '' && input.orderBy === 'LastEventTime') {
      throw invalidParameter('Cannot order by LastEventTime with a logStreamNamePrefix.');
    }
    const streams = [...group.streams.entries()]
      .filter(([name]) => name.startsWith(prefix))
      .sort(([a], [b]) => a.localeCompare(b))
      .slice(0, limit(input))
      .map(([name, stream]) => ({
        logStreamName: name,
        creationTime: stream.creationTime,
        ...(stream.events.length > 0
          ? {
              firstEventTimestamp: stream.events[0]?.timestamp,
              lastEventTimestamp: stream.events.at(-1)?.timestamp,
              lastIngestionTime: stream.events.at(-1)?.ingestionTime,
            }
          : {}),
        arn: `${groupArn(region, groupName)}:log-stream:${name}`,
        storedBytes: 0,
      }));
    return { logStreams: streams };
  }

  private describeLogGroups(input: Record<string, unknown>, region: string): object {
    const prefix = typeof input.logGroupNamePrefix === 'string' ? input.logGroupNamePrefix : '';
    const groups = [...this.groups.entries()]
      .filter(([name]) => name.startsWith(prefix))
      .sort(([a], [b]) => a.localeCompare(b))
      .slice(0, limit(input))
      .map(([name, group]) => ({
        logGroupName: name,
        creationTime: group.creationTime,
        ...(group.retentionInDays === undefined ? {} : { retentionInDays: group.retentionInDays }),
        arn: `${groupArn(region, name)}:*`,
        logGroupArn: groupArn(region, name),
        storedBytes: 0,
        metricFilterCount: 0,
        logGroupClass: 'STANDARD',
      }));
    return { logGroups: groups };
  }

  private putRetentionPolicy(input: Record<string, unknown>): object {
    const group = this.group(requireName(input, 'logGroupName', LOG_GROUP_NAME_PATTERN));
    const days = input.retentionInDays;
    if (typeof days !== 'number' || !RETENTION_DAYS.includes(days)) {
      throw invalidParameter(`1 validation error detected: Value ${JSON.stringify(days)} at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [${RETENTION_DAYS.join(', ')}]`);
    }
    group.retentionInDays = days;
    return {};
  }

  private group(name: string): LogGroup {
    const group = this.groups.get(name);
    if (!group) throw new ApiError(400, 'ResourceNotFoundException', 'The specified log group does not exist.');
    return group;
  }

  private answer(res: ServerResponse, call: CloudWatchCall, status: number, body: object): void {
    call.status = status;
    res.writeHead(status, { 'content-type': CONTENT_TYPE, 'x-amzn-requestid': randomUUID() }).end(JSON.stringify(body));
    this.waiters.notify();
  }

  private releaseHeld(): void {
    for (const res of this.held) res.destroy();
    this.held.clear();
  }
}


function parseInput(req: IncomingMessage, headers: Record<string, string>, body: Buffer): Record<string, unknown> {
  if (req.method !== 'POST' || req.url !== '/') throw new ApiError(404, 'UnknownOperationException', 'Only POST / is served');
  if (!headers['x-amz-target']?.startsWith(TARGET_PREFIX)) {
    throw new ApiError(400, 'UnknownOperationException', `Unexpected X-Amz-Target ${headers['x-amz-target'] ?? '(none)'}`);
  }
  if (headers['content-type']?.split(';')[0] !== CONTENT_TYPE) {
    throw new ApiError(400, 'SerializationException', `Expected content-type ${CONTENT_TYPE}`);
  }
  try {
    const input = JSON.parse(body.toString('utf8')) as unknown;
    if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new Error('not an object');
    return input as Record<string, unknown>;
  } catch {
    throw new ApiError(400, 'SerializationException', 'Request body is not a JSON object');
  }
}

function toApiError(failure: Exclude<CloudWatchFailure, { kind: 'hang' }>): ApiError {
  switch (failure.kind) {
    case 'throttle':
      return new ApiError(400, 'ThrottlingException', 'Rate exceeded');
    case 'server-error':
      return failure.status === 503
        ? new ApiError(503, 'ServiceUnavailableException', 'The service cannot complete the request.')
        : new ApiError(500, 'InternalFailure', 'The request processing has failed because of an unknown error.');
    case 'error':
      return new ApiError(failure.status, failure.type, failure.message);
  }
}

/** Validates `logEvents` the way PutLogEvents does; returns the events. */
function validateBatch(raw: unknown): { timestamp: number; message: string }[] {
  if (!Array.isArray(raw) || raw.length === 0) throw invalidParameter('logEvents must contain at least one event.');
  if (raw.length > PUT_LOG_EVENTS_LIMITS.maxEvents) {
    throw invalidParameter(`Upload too many log events: ${raw.length} exceeds limit of ${PUT_LOG_EVENTS_LIMITS.maxEvents}`);
  }
  let bytes = 0;
  let previous = -Infinity;
  const events = (raw as unknown[]).map((item, index) => {
    const { timestamp, message } = (item ?? {}) as Record<string, unknown>;
    if (typeof timestamp !== 'number' || typeof message !== 'string' || message === '') {
      throw invalidParameter(`logEvents.${index + 1} must have a numeric timestamp and a non-empty message.`);
    }
    if (timestamp < previous) throw invalidParameter('Log events in a single PutLogEvents request must be in chronological order.');
    previous = timestamp;
    bytes += Buffer.byteLength(message, 'utf8') + PUT_LOG_EVENTS_LIMITS.eventOverheadBytes;
    return { timestamp, message };
  });
  if (bytes > PUT_LOG_EVENTS_LIMITS.maxBatchBytes) {
    throw invalidParameter(`Upload too large: ${bytes} bytes exceeds limit of ${PUT_LOG_EVENTS_LIMITS.maxBatchBytes}`);
  }
  return events;
}

function requireName(input: Record<string, unknown>, field: string, pattern: RegExp): string {
  const value = input[field];
  if (typeof value !== 'string' || !pattern.test(value)) {
    throw invalidParameter(`1 validation error detected: Value ${JSON.stringify(value)} at '${field}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${pattern.source}`);
  }
  return value;
}

function limit(input: Record<string, unknown>): number {
  const value = input.limit ?? 50;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 50) {
    throw invalidParameter(`1 validation error detected: Value ${JSON.stringify(value)} at 'limit' failed to satisfy constraint: Member must have value between 1 and 50`);
  }
  return value;
}

function groupArn(region: string, name: string): string {
  return `arn:aws:logs:${region}:${ACCOUNT_ID}:log-group:${name}`;
}
