import { pino, type Logger } from 'pino';

export type { Logger };

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * pino's `isoTime` (`,"time":"<ISO-8601>"`), formatted once per millisecond: under load (an admission line each)
 * most lines share their millisecond with the one before.
 */
function isoTimeOncePerMs(): () => string {
  let lastMs = -1;
  let last = '';
  return () => {
    const now = Date.now();
    if (now !== lastMs) {
      lastMs = now;
      last = `,"time":"${new Date(now).toISOString()}"`;
    }
    return last;
  };
}

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
    timestamp: isoTimeOncePerMs(),
    redact: { paths: ['*.data', '*.password', '*.auth', '*.token', '*.authorization', 'headers.authorization'], censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}
