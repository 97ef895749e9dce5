/**
 * Logging for the sidecar. Everything goes to stderr: stdout carries only the
 * one `ready` line the supervisor parses. Never pass the secret here.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const LEVEL_ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

let minimumLevel: LogLevel = process.env.TUNELAB_SIDECAR_LOG === 'debug' ? 'debug' : 'info';

export function setLogLevel(level: LogLevel): void {
  minimumLevel = level;
}

export function log(level: LogLevel, message: string): void {
  if (LEVEL_ORDER[level] < LEVEL_ORDER[minimumLevel]) {
    return;
  }
  process.stderr.write(`${new Date().toISOString()} tunelab-sidecar ${level}: ${message}\n`);
}

/** A short description of an unknown thrown value, for logs and error messages. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    return err.message;
  }
  return String(err);
}
