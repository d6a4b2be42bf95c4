/**
 * The logging surface the engine needs: a structural subset of pino's, so the server can
 * pass its pino logger and tests can pass something silent or recording.
 */
export interface Logger {
  info(details: object, message?: string): void;
  warn(details: object, message?: string): void;
  error(details: object, message?: string): void;
}

export const silentLogger: Logger = {
  info() {},
  warn() {},
  error() {},
};
