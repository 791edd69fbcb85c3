import pino from 'pino';

export type Logger = pino.Logger;

/**
 * The server's structured logger: JSON lines on stdout, level from LOG_LEVEL
 * (default info; `silent` turns it off, which the tests rely on).
 */
export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ name: 'strata', level, base: { pid: process.pid }, serializers: { err: errWithoutValues } });
}

/**
 * Errors are logged without the values bound to their SQL (TypeORM's
 * QueryFailedError carries `parameters`: idempotency keys, tags, paths that
 * clients sent) and without the driver's copy of them.
 */
export function errWithoutValues(err: unknown): unknown {
  const out = pino.stdSerializers.err(err as Error) as unknown as Record<string, unknown>;
  if (out && typeof out === 'object') {
    delete out.parameters;
    delete out.driverError;
  }
  return out;
}
