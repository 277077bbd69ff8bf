/** The relay's logger: JSON lines on stderr, with secrets censored. */
import pino, { type Logger } from 'pino';

/**
 * JSON logs on stderr (stdout may carry the NDJSON output). Secrets never reach a log line: config objects are
 * logged redacted, and these paths are censored wherever they appear.
 */
export function createLogger(level: string): Logger {
  return pino(
    {
      level,
      base: { app: 'zpa-relay' },
      redact: {
        paths: ['shared_key', '*.shared_key', '*.password', '*.token', '*.api_key', '*.secret', 'headers.authorization', '*.headers.authorization'],
        censor: '[redacted]',
      },
    },
    pino.destination({ fd: 2, sync: false }),
  );
}
