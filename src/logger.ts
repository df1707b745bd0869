// Structured JSON logs (pino). Credentials never reach a log line: headers are not logged whole, and the
// credential header names are redacted wherever they appear.
import { type Logger, pino } from 'pino';

export type { Logger };

export const REDACTED_PATHS = [
  '*.headers["x-api-key"]',
  '*.headers.authorization',
  '*.headers["customer-id"]',
  'headers["x-api-key"]',
  'headers.authorization',
  'credentials',
  '*.credentials',
  'apiKey',
  'authorization',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'jobs-gateway' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

/** A logger that writes nothing (tests, benchmarks). */
export const silentLogger: Logger = pino({ level: 'silent' });
