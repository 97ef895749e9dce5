/**
 * Best-effort `id` of a JSON-RPC message from the first bytes of its text,
 * for error replies to messages too large to parse. Scans the top-level
 * object only, so an `"id"` nested inside `params` is not mistaken for it.
 */
export function sniffRequestId(head: string): string | number | null {
  let depth = 0;
  let i = 0;
  while (i < head.length) {
    const ch = head[i];
    if (ch === '"') {
      const end = endOfString(head, i);
      if (end < 0) {
        return null;
      }
      if (depth === 1 && head.slice(i, end + 1) === '"id"') {
        const colon = skipSpace(head, end + 1);
        if (head[colon] === ':') {
          return readScalar(head, skipSpace(head, colon + 1));
        }
      }
      i = end + 1;
      continue;
    }
    if (ch === '{' || ch === '[') {
      depth += 1;
    } else if (ch === '}' || ch === ']') {
      depth -= 1;
    }
    i += 1;
  }
  return null;
}

/** Index of the closing quote of the string starting at `start`, or -1 when it is cut off. */
function endOfString(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') {
      i += 1;
    } else if (text[i] === '"') {
      return i;
    }
  }
  return -1;
}

function skipSpace(text: string, i: number): number {
  while (i < text.length && /\s/.test(text[i])) {
    i += 1;
  }
  return i;
}

function readScalar(text: string, i: number): string | number | null {
  if (text[i] === '"') {
    const end = endOfString(text, i);
    if (end < 0) {
      return null;
    }
    try {
      const value: unknown = JSON.parse(text.slice(i, end + 1));
      return typeof value === 'string' ? value : null;
    } catch {
      return null;
    }
  }
  const number = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 32));
  // A number cut off by the end of the head could be a prefix of a longer one.
  if (number === null || i + number[0].length >= text.length) {
    return null;
  }
  return Number(number[0]);
}
