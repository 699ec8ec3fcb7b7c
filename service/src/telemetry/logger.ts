import winston from 'winston';
import type Transport from 'winston-transport';
import type { LogFormat, LogLevel } from '../config';
import { currentRequestContext } from '../request/context';
import { batchedStdout } from './batched-stdout';

export type Logger = winston.Logger;

/** Adds the request id and trace ids of the request being served, so every line can be joined to its trace. */
const requestFields = winston.format((info) => {
  const context = currentRequestContext();
  if (context) {
    info.request_id ??= context.requestId;
    if (context.trace) {
      info.trace_id ??= context.trace.traceId;
      info.span_id ??= context.trace.spanId;
      info.xray_trace_id ??= context.trace.xrayTraceId;
    }
  }
  return info;
});

const prettyLine = winston.format.printf(({ level, message, timestamp, ...fields }) => {
  const extra = Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : '';
  return `${String(timestamp)} ${level} ${String(message)}${extra}`;
});

export interface LoggerOptions {
  level: LogLevel;
  format: LogFormat;
  /** Extra destinations (CloudWatch); stdout is always one. */
  transports?: Transport[];
  /** Where lines go; tests pass a stream to read them. */
  stream?: NodeJS.WritableStream;
}

export function createLogger(options: LoggerOptions): Logger {
  // Each entry is rendered as JSON once, at the logger, and that line is shared: stdout writes it as it is and
  // CloudWatch ships it. Only pretty stdout formats again, for itself (CloudWatch always gets the JSON line).
  const stdoutFormat = options.format === 'pretty' ? winston.format.combine(winston.format.colorize(), prettyLine) : undefined;
  const stdout = new winston.transports.Stream({ stream: options.stream ?? batchedStdout(), format: stdoutFormat });
  return winston.createLogger({
    level: options.level,
    format: winston.format.combine(winston.format.timestamp(), requestFields(), winston.format.json()),
    // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- winston types its transports as interfaces
    transports: [stdout, ...(options.transports ?? [])],
    exitOnError: false,
  });
}
