import { pino, type Logger } from 'pino';

/** The default for a library: say nothing unless the host app passes its own logger. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
