import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
  type RejectedLogEventsInfo,
} from '@aws-sdk/client-cloudwatch-logs';
import { setTimeout as sleep } from 'node:timers/promises';
import Transport from 'winston-transport';

/**
 * PutLogEvents quotas. A batch is at most 10,000 events and 1,048,576 bytes, counting each
 * event as its message's UTF-8 bytes + 26, and may not span more than 24 hours. The per-event
 * limit kept here is 256 KB, the long-standing quota (AWS has since raised it to 1 MB), so that any region takes it.
 */
const EVENT_OVERHEAD_BYTES = 26;
const MAX_BATCH_COUNT = 10_000;
const MAX_BATCH_BYTES = 1_048_576;
const MAX_EVENT_BYTES = 262_144;
const MAX_BATCH_SPAN_MS = 24 * 60 * 60 * 1000;
const DEFAULT_MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

/** Where winston formats leave the finished line (triple-beam's MESSAGE). */
const MESSAGE = Symbol.for('message');

/** Names of errors that mean "slow down", whatever their status code. */
const THROTTLING_ERRORS = new Set(['ThrottlingException', 'Throttling', 'TooManyRequestsException']);

/**
 * Errors that say the credentials, not the batch, are at fault: every request fails the same way until someone
 * sets credentials, fixes the role or its policy. The SDK's `CredentialsProviderError` means the default chain found
 * none (no IRSA token, no keys, no profile); the others are answers of the API, listed in AWS's "Common Errors"
 * (https://docs.aws.amazon.com/awsconsolehelpdocs/latest/gsg/common-errors.html: AccessDeniedException,
 * ExpiredTokenException, IncompleteSignature, InvalidClientTokenId, MissingAuthenticationToken, NotAuthorized,
 * UnrecognizedClientException) and CloudWatch Logs' own (UnrecognizedClientException: "the most likely cause is an
 * access key ID or secret key that's not valid"). Signature errors belong here too: a wrong secret key signs wrongly.
 */
const CREDENTIAL_ERRORS = new Set([
  'CredentialsProviderError',
  'AccessDeniedException',
  'AccessDenied',
  'ExpiredToken',
  'ExpiredTokenException',
  'IncompleteSignature',
  'IncompleteSignatureException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'MissingAuthenticationToken',
  'MissingAuthenticationTokenException',
  'NotAuthorized',
  'SignatureDoesNotMatch',
  'UnrecognizedClientException',
]);

export interface CloudWatchTransportStats {
  /** Events CloudWatch Logs accepted. */
  sent: number;
  /** Events lost: evicted from a full buffer, in a batch given up on, rejected, or unsent at close(). */
  dropped: number;
  /** Batches given up on (permanently invalid, or still failing after maxRetries). */
  failedBatches: number;
  /** Requests repeated after a throttle, 5xx, network error or timeout. */
  retries: number;
  /** Of `dropped`, the events dropped because the credentials were missing or refused. */
  droppedForCredentials: number;
}

/** Receives the transport's own problems; it must not log through the logger it serves. */
export type DiagnosticHandler = (message: string, fields: Record<string, unknown>) => void;

export interface CloudWatchTransportOptions extends Transport.TransportStreamOptions {
  logGroupName: string;
  logStreamName: string;
  client: CloudWatchLogsClient;
  /** How often buffered events are sent. Default 1000. */
  flushIntervalMs?: number;
  /** Buffer bound; beyond it the oldest events are dropped. Default 10,000. */
  maxBufferedEvents?: number;
  /**
   * Buffer bound in bytes (messages as PutLogEvents counts them, 26 a piece over the UTF-8 text); beyond it the
   * oldest events are dropped, as for maxBufferedEvents. 10,000 events of up to 256 KB would be 2.5 GB; this keeps
   * the buffer within the pod's memory limit. A batch in flight (at most 1 MiB) comes on top.
   * Default 8 MiB; at least one event of maxEventBytes.
   */
  maxBufferedBytes?: number;
  /** Default and ceiling 10,000. */
  maxBatchCount?: number;
  /** Default and ceiling 1,048,576. */
  maxBatchBytes?: number;
  /** Longer messages are truncated with a marker. Default 262,144 (26 of them overhead). */
  maxEventBytes?: number;
  /** Retries per batch before it is dropped. Default 8. */
  maxRetries?: number;
  /** Exponential backoff with full jitter: random(0, min(cap, base * 2^attempt)). Defaults 200 and 10,000. */
  backoffBaseMs?: number;
  backoffCapMs?: number;
  /** Per request, so a hanging endpoint cannot stall the queue. Default 10,000. */
  requestTimeoutMs?: number;
  /**
   * After the credentials are missing or refused, events are dropped (counted) without any request for this long,
   * then one batch is tried again: rotated keys, a fixed role policy or an IRSA token mounted late recover
   * without a restart, at the cost of one request per period. Default 300,000 (5 minutes).
   */
  credentialsRetryMs?: number;
  /** Default: one JSON line on stderr, each message at most once per 10 s. */
  onDiagnostic?: DiagnosticHandler;
}

interface PendingEvent {
  timestamp: number;
  message: string;
  /** Message UTF-8 bytes + the per-event overhead, as PutLogEvents counts it. */
  size: number;
}

type Verdict = 'retry' | 'recreate-stream' | 'drop' | 'credentials';

/**
 * A winston transport that ships JSON lines to one CloudWatch Logs stream with AWS SDK v3.
 *
 * log() only buffers. A timer (unref'd) sends the buffer in batches within the PutLogEvents
 * limits, one request at a time so events stay in order. Throttling, 5xx, network errors
 * and timeouts are retried with backoff; permanently invalid batches are dropped and counted. Missing or refused
 * credentials are said once and stop the requests for credentialsRetryMs, events being dropped (counted) meanwhile.
 * On shutdown call flush() before close() (logger.close() calls close()).
 */
export class CloudWatchTransport extends Transport {
  private readonly client: CloudWatchLogsClient;
  private readonly logGroupName: string;
  private readonly logStreamName: string;
  private readonly maxBufferedEvents: number;
  private readonly maxBufferedBytes: number;
  private readonly maxBatchCount: number;
  private readonly maxBatchBytes: number;
  private readonly maxMessageBytes: number;
  private readonly maxRetries: number;
  private readonly backoffBaseMs: number;
  private readonly backoffCapMs: number;
  private readonly requestTimeoutMs: number;
  private readonly credentialsRetryMs: number;
  private readonly onDiagnostic: DiagnosticHandler;

  private readonly counters: CloudWatchTransportStats = { sent: 0, dropped: 0, failedBatches: 0, retries: 0, droppedForCredentials: 0 };
  private readonly buffer: PendingEvent[] = [];
  private pendingBytes = 0;
  /** While the credentials are failing: when to try them again (Date.now() time). */
  private credentialsRetryAt: number | undefined;
  /** Events taken from the buffer into the request being attempted. */
  private inFlight = 0;
  private sending: Promise<void> | undefined;
  /** flush() calls waiting for the buffer to empty. */
  private readonly idleWaiters = new Set<() => void>();
  private streamReady = false;
  private lastTimestamp = 0;
  private evictedSinceReport = 0;
  private stopped = false;
  private readonly shutdown = new AbortController();
  private readonly timer: NodeJS.Timeout;

  constructor(options: CloudWatchTransportOptions) {
    super(options);
    this.client = options.client;
    this.logGroupName = options.logGroupName;
    this.logStreamName = options.logStreamName;
    // Clamped so that every batch holds at least one event and stays within the API's limits.
    this.maxBufferedEvents = Math.max(1, options.maxBufferedEvents ?? 10_000);
    this.maxBatchCount = clamp(options.maxBatchCount ?? MAX_BATCH_COUNT, 1, MAX_BATCH_COUNT);
    this.maxBatchBytes = clamp(options.maxBatchBytes ?? MAX_BATCH_BYTES, EVENT_OVERHEAD_BYTES + 1, MAX_BATCH_BYTES);
    this.maxMessageBytes = clamp(options.maxEventBytes ?? MAX_EVENT_BYTES, EVENT_OVERHEAD_BYTES + 1, this.maxBatchBytes) - EVENT_OVERHEAD_BYTES;
    this.maxBufferedBytes = Math.max(this.maxMessageBytes + EVENT_OVERHEAD_BYTES, options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES);
    this.maxRetries = options.maxRetries ?? 8;
    this.backoffBaseMs = options.backoffBaseMs ?? 200;
    this.backoffCapMs = options.backoffCapMs ?? 10_000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.credentialsRetryMs = options.credentialsRetryMs ?? 300_000;
    this.onDiagnostic = options.onDiagnostic ?? stderrDiagnostics(10_000);
    // unref: a pending flush tick must never keep the process alive.
    this.timer = setInterval(() => {
      this.tick();
    }, options.flushIntervalMs ?? 1000).unref();
  }

  get stats(): CloudWatchTransportStats {
    return { ...this.counters };
  }

  /** Events waiting to be sent (not counting a batch in flight). */
  get buffered(): number {
    return this.buffer.length;
  }

  /** Their size as PutLogEvents counts it (UTF-8 bytes + 26 each). */
  get bufferedBytes(): number {
    return this.pendingBytes;
  }

  /** Buffers the entry and returns at once; never throws. */
  override log(info: unknown, next: () => void): void {
    try {
      this.enqueue(info);
    } catch (error) {
      this.diagnose('could not buffer a log entry', { error: describeError(error) });
    }
    // winston's per-entry notice, on a later turn as its transports do; skipped when nobody listens (one timer an entry).
    if (this.listenerCount('logged') > 0) setImmediate(() => this.emit('logged', info));
    next();
  }

  /**
   * Sends everything buffered. Resolves when done or once `timeoutMs` has passed,
   * reporting through the diagnostics how many events were left unsent.
   */
  async flush(timeoutMs = 5000): Promise<void> {
    let deadline: NodeJS.Timeout | undefined;
    let done: (() => void) | undefined;
    const idle = new Promise<void>((resolve) => {
      done = resolve;
      if (this.isIdle()) {
        resolve();
        return;
      }
      this.idleWaiters.add(resolve);
      this.kick();
    });
    // Not unref'd: during shutdown this timer is what keeps the process waiting for the flush.
    const timedOut = new Promise<void>((resolve) => (deadline = setTimeout(resolve, timeoutMs)));
    await Promise.race([idle, timedOut]);
    clearTimeout(deadline);
    if (done) this.idleWaiters.delete(done);

    this.reportEvictions();
    const unsent = this.buffer.length + this.inFlight;
    if (unsent > 0) this.diagnose('flush deadline passed with events unsent', { unsent, timeoutMs });
  }

  /** Stops the timer and any request or backoff in progress; whatever is unsent is dropped. */
  override close(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    this.reportEvictions();
    const unsent = this.buffer.length + this.inFlight;
    if (unsent > 0) {
      this.counters.dropped += unsent;
      this.diagnose('closed with events unsent (flush before close)', { unsent });
    }
    this.buffer.length = 0;
    this.pendingBytes = 0;
    this.inFlight = 0;
    this.shutdown.abort();
    this.wakeIdleWaiters();
  }

  private enqueue(info: unknown): void {
    if (this.stopped) {
      this.counters.dropped += 1;
      return;
    }
    if (this.credentialsRetryAt !== undefined && Date.now() < this.credentialsRetryAt) {
      // Reported once when the credentials failed; buffering would only hold memory for a request not made.
      this.counters.dropped += 1;
      this.counters.droppedForCredentials += 1;
      return;
    }
    const message = truncate(serialize(info), this.maxMessageBytes);
    if (message === '') return; // PutLogEvents rejects empty messages, and they carry nothing.
    // PutLogEvents rejects batches out of chronological order, and the wall clock can step back.
    const timestamp = Math.max(Date.now(), this.lastTimestamp);
    this.lastTimestamp = timestamp;
    const size = Buffer.byteLength(message, 'utf8') + EVENT_OVERHEAD_BYTES;
    this.buffer.push({ timestamp, message, size });
    this.pendingBytes += size;

    while (this.buffer.length > this.maxBufferedEvents || this.pendingBytes > this.maxBufferedBytes) {
      const evicted = this.buffer.shift();
      this.pendingBytes -= evicted?.size ?? 0;
      this.counters.dropped += 1;
      this.evictedSinceReport += 1;
    }
    // Send early rather than evict when a full batch is ready.
    if (this.fullBatchBuffered() || this.buffer.length >= this.maxBufferedEvents || this.pendingBytes >= this.maxBufferedBytes) this.kick();
  }

  private tick(): void {
    this.reportEvictions();
    this.kick();
  }

  /** Starts sending unless a send is running: one request in flight at a time keeps the stream in order. */
  private kick(): void {
    if (this.sending || this.stopped || this.buffer.length === 0) return;
    this.sending = this.sendBuffered().finally(() => {
      this.sending = undefined;
      this.afterDrain();
    });
  }

  /** Sends one batch, then more while full batches are waiting or a flush() is. */
  private async sendBuffered(): Promise<void> {
    try {
      do {
        await this.deliver(this.takeBatch());
      } while (!this.stopped && this.buffer.length > 0 && (this.idleWaiters.size > 0 || this.fullBatchBuffered()));
    } catch (error) {
      // deliver() handles SDK errors itself; this guards the process against anything else.
      this.diagnose('unexpected error while sending logs', { error: describeError(error) });
    }
  }

  private afterDrain(): void {
    if (this.isIdle()) this.wakeIdleWaiters();
    else if (this.idleWaiters.size > 0 || this.fullBatchBuffered()) this.kick();
  }

  /** The longest run from the head of the buffer that fits one PutLogEvents call. */
  private takeBatch(): PendingEvent[] {
    const first = this.buffer[0];
    let count = 0;
    let bytes = 0;
    for (const event of this.buffer) {
      const fits =
        count < this.maxBatchCount &&
        bytes + event.size <= this.maxBatchBytes &&
        event.timestamp - (first?.timestamp ?? event.timestamp) <= MAX_BATCH_SPAN_MS;
      if (!fits) break;
      count += 1;
      bytes += event.size;
    }
    this.pendingBytes -= bytes;
    return this.buffer.splice(0, count);
  }

  /** Sends a batch, retrying what may succeed later; never throws. */
  private async deliver(batch: PendingEvent[]): Promise<void> {
    this.inFlight = batch.length;
    try {
      for (let attempt = 0; ; attempt += 1) {
        try {
          if (!this.streamReady) await this.ensureStream();
          const response = await this.client.send(
            new PutLogEventsCommand({
              logGroupName: this.logGroupName,
              logStreamName: this.logStreamName,
              logEvents: batch.map(({ timestamp, message }) => ({ timestamp, message })),
            }),
            { abortSignal: this.requestSignal() },
          );
          this.countAccepted(batch.length, response.rejectedLogEventsInfo);
          this.credentialsRecovered();
          return;
        } catch (error) {
          if (this.stopped) return; // close() aborted the request and counted the batch as dropped.
          const verdict = classify(error);
          if (verdict === 'credentials') {
            this.credentialsFailed(batch.length, error);
            return;
          }
          if (verdict === 'recreate-stream') this.streamReady = false;
          if (verdict === 'drop' || attempt >= this.maxRetries) {
            this.counters.failedBatches += 1;
            this.counters.dropped += batch.length;
            const message = verdict === 'drop' ? 'batch rejected, dropped' : 'batch still failing after retries, dropped';
            this.diagnose(message, { events: batch.length, attempts: attempt + 1, error: describeError(error) });
            return;
          }
          this.counters.retries += 1;
          await this.backoff(attempt);
        }
      }
    } finally {
      this.inFlight = 0;
    }
  }

  /**
   * Missing or refused credentials fail every request alike, so retrying would only multiply the requests and the
   * noise: the batch and what is buffered are dropped (counted), it is said once, at error level, with what to set,
   * and no request is made until credentialsRetryMs has passed.
   */
  private credentialsFailed(events: number, error: unknown): void {
    const lost = events + this.buffer.length;
    this.buffer.length = 0;
    this.pendingBytes = 0;
    this.counters.failedBatches += 1;
    this.counters.dropped += lost;
    this.counters.droppedForCredentials += lost;
    const firstFailure = this.credentialsRetryAt === undefined;
    this.credentialsRetryAt = Date.now() + this.credentialsRetryMs;
    if (!firstFailure) return;
    this.diagnose('AWS credentials missing or refused: logs are not shipped to CloudWatch Logs, and are dropped', {
      level: 'error',
      error: describeError(error),
      fix: credentialsFix(error),
      droppedEvents: lost,
      retryInMs: this.credentialsRetryMs,
    });
  }

  private credentialsRecovered(): void {
    if (this.credentialsRetryAt === undefined) return;
    this.credentialsRetryAt = undefined;
    this.diagnose('AWS credentials accepted again: shipping logs to CloudWatch Logs', {
      droppedForCredentials: this.counters.droppedForCredentials,
    });
  }

  private async ensureStream(): Promise<void> {
    const { logGroupName, logStreamName } = this;
    try {
      await this.client.send(new CreateLogGroupCommand({ logGroupName }), { abortSignal: this.requestSignal() });
    } catch (error) {
      // AccessDenied: the role may only be allowed to write into a group provisioned elsewhere.
      if (!hasName(error, 'ResourceAlreadyExistsException', 'AccessDeniedException')) throw error;
    }
    try {
      await this.client.send(new CreateLogStreamCommand({ logGroupName, logStreamName }), {
        abortSignal: this.requestSignal(),
      });
    } catch (error) {
      if (!hasName(error, 'ResourceAlreadyExistsException')) throw error;
    }
    this.streamReady = true;
  }

  private countAccepted(count: number, rejected: RejectedLogEventsInfo | undefined): void {
    const lost = rejectedCount(count, rejected);
    this.counters.sent += count - lost;
    if (lost > 0) {
      this.counters.dropped += lost;
      this.diagnose('CloudWatch Logs rejected events as too old or too new', { events: lost, ...rejected });
    }
  }

  private async backoff(attempt: number): Promise<void> {
    const ceiling = Math.min(this.backoffCapMs, this.backoffBaseMs * 2 ** attempt);
    // ref: false so a retry wait alone never holds the process open; close() cuts it short.
    await sleep(Math.random() * ceiling, undefined, { ref: false, signal: this.shutdown.signal }).catch(() => undefined);
  }

  private requestSignal(): AbortSignal {
    return AbortSignal.any([AbortSignal.timeout(this.requestTimeoutMs), this.shutdown.signal]);
  }

  private fullBatchBuffered(): boolean {
    return this.buffer.length >= this.maxBatchCount || this.pendingBytes >= this.maxBatchBytes;
  }

  private isIdle(): boolean {
    return this.stopped || (this.sending === undefined && this.buffer.length === 0);
  }

  private wakeIdleWaiters(): void {
    for (const wake of this.idleWaiters) wake();
    this.idleWaiters.clear();
  }

  private reportEvictions(): void {
    if (this.evictedSinceReport === 0) return;
    this.diagnose('buffer full, dropped oldest events', {
      dropped: this.evictedSinceReport,
      maxBufferedEvents: this.maxBufferedEvents,
      maxBufferedBytes: this.maxBufferedBytes,
    });
    this.evictedSinceReport = 0;
  }

  private diagnose(message: string, fields: Record<string, unknown>): void {
    try {
      this.onDiagnostic(message, { logGroupName: this.logGroupName, logStreamName: this.logStreamName, ...fields });
    } catch {
      // A failing diagnostics sink must not take logging down with it.
    }
  }
}

export interface CreateCloudWatchTransportOptions extends Omit<CloudWatchTransportOptions, 'client'> {
  /** Default: the SDK's region chain (AWS_REGION, profile). */
  region?: string;
  /** Overrides the service endpoint, e.g. a local stand-in (CLOUDWATCH_ENDPOINT). */
  endpoint?: string;
}

/** A transport whose client takes credentials from the default chain (IRSA on EKS, env keys elsewhere). */
export function createCloudWatchTransport(options: CreateCloudWatchTransportOptions): CloudWatchTransport {
  const { region, endpoint, ...transportOptions } = options;
  const client = new CloudWatchLogsClient({
    ...(region === undefined ? {} : { region }),
    ...(endpoint === undefined ? {} : { endpoint }),
    // The transport retries with its own backoff and buffer bound; SDK retries would multiply attempts.
    maxAttempts: 1,
  });
  return new CloudWatchTransport({ ...transportOptions, client });
}

/** The line to ship: what the formats produced, else the entry as JSON. */
function serialize(info: unknown): string {
  if (typeof info !== 'object' || info === null) return String(info);
  const formatted = (info as Record<symbol, unknown>)[MESSAGE];
  if (typeof formatted === 'string') return formatted;
  try {
    return JSON.stringify(info, jsonSafe);
  } catch (error) {
    // Circular structures: keep the level and text rather than losing the entry.
    const { level, message } = info as Record<string, unknown>;
    return JSON.stringify({ level, message: String(message), serializationError: describeError(error).message });
  }
}

function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  return value;
}

/** Cuts a message to `maxBytes` of UTF-8, marker included, without splitting a character. */
function truncate(message: string, maxBytes: number): string {
  const bytes = Buffer.byteLength(message, 'utf8');
  if (bytes <= maxBytes) return message;
  const marker = `...[truncated ${bytes} bytes to ${maxBytes}]`;
  const encoded = Buffer.from(message, 'utf8');
  let end = Math.max(0, maxBytes - Buffer.byteLength(marker));
  // Back up over continuation bytes (10xxxxxx) to the start of the character being cut.
  while (end > 0 && ((encoded[end] ?? 0) & 0xc0) === 0x80) end -= 1;
  return encoded.toString('utf8', 0, end) + marker;
}

function classify(error: unknown): Verdict {
  const { name, $metadata, $retryable } = (typeof error === 'object' && error !== null ? error : {}) as {
    name?: string;
    $metadata?: { httpStatusCode?: number };
    $retryable?: unknown;
  };
  if (name === 'ResourceNotFoundException') return 'recreate-stream';
  if (name !== undefined && CREDENTIAL_ERRORS.has(name)) return 'credentials';
  const status = $metadata?.httpStatusCode;
  // No status: the request never got an answer (refused, reset, timed out).
  if (status === undefined || status >= 500 || status === 429) return 'retry';
  if ((name !== undefined && THROTTLING_ERRORS.has(name)) || $retryable !== undefined) return 'retry';
  // Any other 4xx (InvalidParameter, DataAlreadyAccepted...) fails the same way again.
  return 'drop';
}

/** What to set, for the one line that says the credentials failed. */
function credentialsFix(error: unknown): string {
  const name = error instanceof Error ? error.name : '';
  if (name === 'CredentialsProviderError') {
    return 'no AWS credentials found: give the pod an IAM role (IRSA: the chart\'s serviceAccount.roleArn) or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; or unset CLOUDWATCH_LOG_GROUP to turn CloudWatch Logs off';
  }
  if (name === 'AccessDeniedException' || name === 'AccessDenied' || name === 'NotAuthorized') {
    return 'the credentials lack logs:CreateLogStream or logs:PutLogEvents on the log group: grant them to the role (k8s/eks/iam/cruddur-backend-policy.json)';
  }
  return 'AWS refused the credentials (unknown, expired or wrong keys): rotate or correct the keys or the role; or unset CLOUDWATCH_LOG_GROUP to turn CloudWatch Logs off';
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), max);
}

function rejectedCount(count: number, rejected: RejectedLogEventsInfo | undefined): number {
  if (!rejected) return 0;
  const oldEnd = Math.max(rejected.tooOldLogEventEndIndex ?? -1, rejected.expiredLogEventEndIndex ?? -1);
  const newStart = rejected.tooNewLogEventStartIndex ?? count;
  return Math.min(count, oldEnd + 1 + (count - newStart));
}

function hasName(error: unknown, ...names: string[]): boolean {
  return error instanceof Error && names.includes(error.name);
}

function describeError(error: unknown): { name: string; message: string; status?: number } {
  if (!(error instanceof Error)) return { name: typeof error, message: String(error) };
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return { name: error.name, message: error.message, ...(status === undefined ? {} : { status }) };
}

/** One JSON line per diagnostic on stderr, each distinct message at most once per `intervalMs`. */
function stderrDiagnostics(intervalMs: number): DiagnosticHandler {
  const lastWritten = new Map<string, number>();
  const suppressed = new Map<string, number>();
  return (message, fields) => {
    const now = Date.now();
    const last = lastWritten.get(message);
    if (last !== undefined && now - last < intervalMs) {
      suppressed.set(message, (suppressed.get(message) ?? 0) + 1);
      return;
    }
    lastWritten.set(message, now);
    const skipped = suppressed.get(message) ?? 0;
    suppressed.delete(message);
    const line = {
      time: new Date(now).toISOString(),
      level: 'warn',
      logger: 'cloudwatch-transport',
      message,
      ...fields,
      ...(skipped > 0 ? { suppressed: skipped } : {}),
    };
    process.stderr.write(`${JSON.stringify(line)}\n`);
  };
}
