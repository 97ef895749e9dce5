import { createHash } from 'node:crypto';
import type { BackendPreference } from '../../protocol/messages';
import type { EmbeddingCache } from '../store/embeddingCache';
import { EncoderClient } from './encoderClient';
import { modelIdentity } from './modelDir';

/**
 * Rows per slice: a slice enters the pool (and can be asked about) as soon as it is embedded, so the first
 * question waits for one slice, not for a chunk of thousands of texts.
 */
export const SLICE_ROWS = 128;

/** SHA-256 of a text's UTF-8 bytes: the embedding cache's key beside the model id. */
export function textHash(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * Embeds a session's pool texts with a frozen sentence encoder: from the embedding cache when it has them,
 * else in an encoder worker thread started on the first miss and closed by `release` once the pool is in.
 */
export class PoolEncoder {
  private client?: Promise<EncoderClient>;
  private identity?: Promise<string>;
  /** embed() calls in flight (the pool's chunks, model/embed): the worker ends only when none is. */
  private active = 0;
  private releaseWanted = false;

  constructor(
    private readonly modelDir: string,
    readonly dim: number,
    private readonly cache: EmbeddingCache,
    /** The session's `backend` (undefined: the sidecar's default, as for its trainer worker). */
    private readonly backend?: BackendPreference
  ) {}

  /**
   * Embeds `texts` slice by slice, in order; `onSlice` gets each slice's vectors (row-major, SLICE_ROWS rows
   * or fewer) and how many of them came from the cache, and is awaited before the next slice starts.
   */
  async embed(
    texts: readonly string[],
    onSlice: (vectors: Float32Array, last: boolean, fromCache: number) => Promise<void>
  ): Promise<void> {
    this.active++;
    this.releaseWanted = false;
    try {
      await this.embedSlices(texts, onSlice);
    } finally {
      this.active--;
      if (this.active === 0 && this.releaseWanted) {
        this.close();
      }
    }
  }

  private async embedSlices(
    texts: readonly string[],
    onSlice: (vectors: Float32Array, last: boolean, fromCache: number) => Promise<void>
  ): Promise<void> {
    const modelId = await (this.identity ??= modelIdentity(this.modelDir));
    for (let start = 0; start < texts.length; start += SLICE_ROWS) {
      const slice = texts.slice(start, start + SLICE_ROWS);
      const hashes = slice.map(textHash);
      const found = this.cache.get(modelId, hashes, this.dim);
      const missing = slice.flatMap((_, i) => (found[i] === undefined ? [i] : []));
      const vectors = new Float32Array(slice.length * this.dim);
      found.forEach((vector, i) => vector && vectors.set(vector, i * this.dim));
      if (missing.length > 0) {
        const encoded = await (await this.encoder()).encode(missing.map(i => slice[i]));
        missing.forEach((row, j) => vectors.set(encoded.subarray(j * this.dim, (j + 1) * this.dim), row * this.dim));
        this.cache.put(
          modelId,
          missing.map(i => hashes[i]),
          encoded,
          this.dim
        );
      }
      await onSlice(vectors, start + SLICE_ROWS >= texts.length, slice.length - missing.length);
    }
  }

  /** The encoder worker may end once no embedding is in flight (the pool is in); a later call starts a new one. */
  release(): void {
    this.releaseWanted = true;
    if (this.active === 0) {
      this.close();
    }
  }

  /** Ends the encoder worker now (the session closes); embeddings in flight fail. */
  close(): void {
    const client = this.client;
    this.client = undefined;
    void client?.then(c => c.close()).catch(() => undefined);
  }

  private encoder(): Promise<EncoderClient> {
    if (this.client === undefined) {
      const started = EncoderClient.start(this.modelDir, this.backend);
      started.catch(() => (this.client = undefined));
      this.client = started;
    }
    return this.client;
  }
}
