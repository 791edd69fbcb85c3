import pino from 'pino';

export type Logger = pino.Logger;

/**
 * The server's structured logger: JSON lines on stdout, level from LOG_LEVEL
 * (default info; `silent` turns it off, which the tests rely on).
 */
export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ name: 'strata', level, base: { pid: process.pid } });
}
