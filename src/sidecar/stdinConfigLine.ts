import type { Readable } from 'node:stream';

/** The config line must arrive within this time after start. */
const CONFIG_TIMEOUT_MS = 30_000;
const MAX_CONFIG_LINE_BYTES = 64 * 1024;

/**
 * Reads the first line of stdin (the config). Stdin stays open afterwards:
 * its end is how the sidecar learns that its supervisor died, and the caller
 * listens for that.
 */
export function readConfigLine(stdin: Readable): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let length = 0;
    const timer = setTimeout(
      () => finish(new Error(`no config line on stdin within ${CONFIG_TIMEOUT_MS} ms`)),
      CONFIG_TIMEOUT_MS
    );

    const onData = (chunk: Buffer): void => {
      const newline = chunk.indexOf(0x0a);
      parts.push(newline < 0 ? chunk : chunk.subarray(0, newline));
      length += newline < 0 ? chunk.length : newline;
      if (newline >= 0) {
        finish(undefined, Buffer.concat(parts).toString('utf8'));
      } else if (length > MAX_CONFIG_LINE_BYTES) {
        finish(new Error(`the config line is longer than ${MAX_CONFIG_LINE_BYTES} bytes`));
      }
    };
    const onEnd = (): void => finish(new Error('stdin closed before a complete config line arrived'));

    function finish(error: Error | undefined, line?: string): void {
      clearTimeout(timer);
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      if (error !== undefined) {
        reject(error);
      } else {
        resolve(line as string);
      }
    }

    stdin.on('data', onData);
    stdin.on('end', onEnd);
  });
}
