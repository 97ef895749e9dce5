import { LIMITS } from '../../protocol/limits';
import { badData } from '../errors';

/** A label file arrives as one binary message, so it can never be larger than one. */
export const MAX_LABEL_FILE_BYTES = LIMITS.maxBinaryMessageBytes;

/** The text of a label file: size-checked, strict UTF-8, byte order mark dropped. */
export function decodeLabelFile(bytes: Uint8Array): string {
  if (bytes.byteLength > MAX_LABEL_FILE_BYTES) {
    throw badData(
      `label file of ${bytes.byteLength} bytes exceeds the limit of ${MAX_LABEL_FILE_BYTES} bytes (64 MiB)`
    );
  }
  try {
    // fatal: a mangled byte must fail the import, not become U+FFFD inside an id.
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw badData(`label file is not valid UTF-8 text (at byte ${firstInvalidUtf8Byte(bytes)})`);
  }
}

export function encodeLabelFile(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** Where decoding failed, so the user can find the damage; only runs on the error path. */
function firstInvalidUtf8Byte(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    const need = b < 0x80 ? 0 : b >= 0xc2 && b < 0xe0 ? 1 : b >= 0xe0 && b < 0xf0 ? 2 : b >= 0xf0 && b < 0xf5 ? 3 : -1;
    if (need < 0 || i + need >= bytes.length) {
      return i;
    }
    for (let k = 1; k <= need; k++) {
      if ((bytes[i + k] & 0xc0) !== 0x80) {
        return i;
      }
    }
    // Overlong and surrogate forms the decoder also rejects.
    if ((b === 0xe0 && bytes[i + 1] < 0xa0) || (b === 0xed && bytes[i + 1] >= 0xa0)) {
      return i;
    }
    if ((b === 0xf0 && bytes[i + 1] < 0x90) || (b === 0xf4 && bytes[i + 1] >= 0x90)) {
      return i;
    }
    i += need + 1;
  }
  return bytes.length;
}

/** Non-blank lines with their 1-based line numbers; a trailing \r (CRLF files) is dropped. */
export function jsonLines(text: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].endsWith('\r') ? lines[i].slice(0, -1) : lines[i];
    if (line.trim() !== '') {
      out.push({ line: i + 1, text: line });
    }
  }
  return out;
}
