import { type Logger, pino } from 'pino';

export type { Logger };

/** One logger per service; `service` is on every line so merged output stays readable. */
export function createLogger(service: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ name: service, level, base: { service } });
}
