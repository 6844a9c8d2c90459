import { type Logger, pino } from 'pino';

export type { Logger };

/**
 * One logger per service; `service` is on every line so merged output stays readable.
 * JSON lines by default (what log shippers want); human-readable lines when
 * LOG_FORMAT=pretty, which `npm start` sets when it runs in a terminal.
 */
export function createLogger(service: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  const pretty = process.env.LOG_FORMAT === 'pretty';
  return pino({
    name: service,
    level,
    base: pretty ? undefined : { service },
    ...(pretty
      ? {
          transport: {
            target: 'pino-pretty',
            options: { translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname', sync: true },
          },
        }
      : {}),
  });
}
