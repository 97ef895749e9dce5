import { TextEmbedder } from './textEmbedder';

export const HASHED_NGRAM_MODEL = 'hashed-ngram';
export const HASHED_NGRAM_DIM = 512;

const NGRAM = 3;
const WORD = /[\p{L}\p{N}]+/gu;

/**
 * A training-free text embedding: lowercased character 3-grams of each word
 * (padded with a space on both sides so word starts and ends count), hashed
 * into 512 buckets, square-rooted counts, L2-normalised. Near-duplicates and
 * spelling variants land close together; it knows nothing about meaning.
 */
export class HashedNgramEmbedder implements TextEmbedder {
  readonly name = HASHED_NGRAM_MODEL;
  readonly dim = HASHED_NGRAM_DIM;
  readonly modelVersion = 0;

  embed(texts: readonly string[]): Float32Array {
    const out = new Float32Array(texts.length * this.dim);
    texts.forEach((text, row) => embedInto(text, out.subarray(row * this.dim, (row + 1) * this.dim)));
    return out;
  }
}

function embedInto(text: string, vector: Float32Array): void {
  for (const word of text.toLowerCase().match(WORD) ?? []) {
    const padded = ` ${word} `;
    for (let start = 0; start + NGRAM <= padded.length; start++) {
      vector[fnv1a(padded, start, start + NGRAM) % vector.length] += 1;
    }
  }
  let norm = 0;
  for (let i = 0; i < vector.length; i++) {
    // sqrt damps words repeated many times.
    vector[i] = Math.sqrt(vector[i]);
    norm += vector[i] * vector[i];
  }
  if (norm > 0) {
    const scale = 1 / Math.sqrt(norm);
    for (let i = 0; i < vector.length; i++) {
      vector[i] *= scale;
    }
  }
}

/** 32-bit FNV-1a over UTF-16 code units of text[start, end), unsigned. */
function fnv1a(text: string, start: number, end: number): number {
  let hash = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
