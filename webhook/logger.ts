import { pino, stdTimeFunctions, type Logger } from 'pino';

export type { Logger };

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * JSON logs on stdout. Credentials never reach a log call; the redaction list is a second fence for
 * objects that might carry them (secret data, Authorization headers).
 */
export function createLogger(level: LogLevel, destination?: NodeJS.WritableStream): Logger {
  const options = {
    level,
    base: { service: 'archcheck-webhook' },
    // `"level":"info"` and ISO-8601 times: what log pipelines and people read without a lookup table.
    formatters: { level: (label: string) => ({ level: label }) },
    timestamp: stdTimeFunctions.isoTime,
    redact: { paths: ['*.data', '*.password', '*.auth', '*.token', '*.authorization', 'headers.authorization'], censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}
