import { createHash } from 'node:crypto';
import type { BackendPreference } from '../../protocol/messages';
import type { EmbeddingCache } from '../store/embeddingCache';
import { EncoderStreams, streamPlan } from './encoderStreams';
import { modelIdentity } from './modelDir';

/**
 * Rows of a pool's first slice: a slice enters the pool (and can be asked about) as soon as it is embedded,
 * so the first question waits for a small slice.
 */
export const FIRST_SLICE_ROWS = 128;
/**
 * The most rows of a later slice (they shrink towards a chunk's end, see sliceBounds). Large, because the
 * encoder sorts a slice's texts by length to pad less, which pays more the more texts it sees at once:
 * MiniLM on one thread embedded 73 texts/s in slices of 128, 80 in slices of 512, 86 over 2,560 at once.
 */
export const SLICE_ROWS = 1024;

/** SHA-256 of a text's UTF-8 bytes: the embedding cache's key beside the model id. */
export function textHash(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** The smallest slice after the first: smaller ones lose more to padding than the last one's wait costs. */
const MIN_SLICE_ROWS = 64;

/**
 * [start, end) of each slice of `rows`: a first one of FIRST_SLICE_ROWS, then each a share of what is left
 * (guided scheduling: at most SLICE_ROWS, shrinking towards the end) so that the streams finish together
 * instead of one ending a chunk alone while the others idle.
 */
export function sliceBounds(rows: number, streams: number): [number, number][] {
  const bounds: [number, number][] = [];
  for (let start = 0; start < rows;) {
    const share = Math.ceil((rows - start) / (2 * streams));
    const size = start === 0 ? FIRST_SLICE_ROWS : Math.min(SLICE_ROWS, Math.max(MIN_SLICE_ROWS, share));
    bounds.push([start, Math.min(rows, start + size)]);
    start += size;
  }
  return bounds;
}

interface EmbeddedSlice {
  vectors: Float32Array;
  fromCache: number;
}

/**
 * Embeds a session's pool texts with a frozen sentence encoder: from the embedding cache when it has them,
 * else in encoder processes (EncoderStreams) started on the first miss and closed by `release` once the
 * pool is in. Slices are encoded on every stream at once and delivered in order.
 */
export class PoolEncoder {
  private streams?: EncoderStreams;
  private identity?: Promise<string>;
  /** embed() calls in flight (the pool's chunks, model/embed): the encoders end only when none is. */
  private active = 0;
  private releaseWanted = false;
  private readonly plan = streamPlan();

  constructor(
    private readonly modelDir: string,
    readonly dim: number,
    private readonly cache: EmbeddingCache,
    /** The session's `backend` (undefined: the sidecar's default, as for its trainer worker). */
    private readonly backend?: BackendPreference
  ) {}

  /**
   * Embeds `texts` slice by slice; `onSlice` gets each slice's vectors (row-major), in order, and how many
   * of them came from the cache. While it runs, the next slices are already being encoded.
   */
  async embed(
    texts: readonly string[],
    onSlice: (vectors: Float32Array, last: boolean, fromCache: number) => Promise<void>
  ): Promise<void> {
    this.active++;
    this.releaseWanted = false;
    try {
      await this.embedSlices(texts, onSlice);
    } catch (err) {
      this.close(); // a crashed encoder process is not reused: the next call starts fresh ones
      throw err;
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
    const bounds = sliceBounds(texts.length, this.plan.streams);
    const inFlight: Promise<EmbeddedSlice>[] = [];
    try {
      for (let i = 0; i < bounds.length; i++) {
        // Keep every stream busy: slices ahead of the one being delivered are already encoding, and each
        // stream has its next one queued when it finishes.
        while (inFlight.length < 2 * this.plan.streams && i + inFlight.length < bounds.length) {
          const [start, end] = bounds[i + inFlight.length];
          inFlight.push(this.embedSlice(modelId, texts.slice(start, end)));
        }
        const { vectors, fromCache } = await (inFlight.shift() as Promise<EmbeddedSlice>);
        await onSlice(vectors, i === bounds.length - 1, fromCache);
      }
    } finally {
      // A failed slice or delivery leaves the others' results unread; they must not reject unhandled.
      inFlight.forEach(p => p.catch(() => undefined));
    }
  }

  /** One slice's vectors: the cache's, and the encoder's for the rest (then cached). */
  private async embedSlice(modelId: string, slice: string[]): Promise<EmbeddedSlice> {
    const hashes = slice.map(textHash);
    const found = this.cache.get(modelId, hashes, this.dim);
    const missing = slice.flatMap((_, i) => (found[i] === undefined ? [i] : []));
    const vectors = new Float32Array(slice.length * this.dim);
    found.forEach((vector, i) => vector && vectors.set(vector, i * this.dim));
    if (missing.length > 0) {
      const encoded = await this.encoder().encode(missing.map(i => slice[i]));
      missing.forEach((row, j) => vectors.set(encoded.subarray(j * this.dim, (j + 1) * this.dim), row * this.dim));
      this.cache.put(
        modelId,
        missing.map(i => hashes[i]),
        encoded,
        this.dim
      );
    }
    return { vectors, fromCache: slice.length - missing.length };
  }

  /** The encoders may end once no embedding is in flight (the pool is in); a later call starts new ones. */
  release(): void {
    this.releaseWanted = true;
    if (this.active === 0) {
      this.close();
    }
  }

  /** Process ids of the running encoder streams (tests, diagnostics); empty when none runs. */
  encoderProcessIds(): number[] {
    return this.streams?.processIds() ?? [];
  }

  /** Ends the encoder processes now (the session closes); embeddings in flight fail. */
  close(): void {
    this.streams?.close();
    this.streams = undefined;
  }

  private encoder(): EncoderStreams {
    return (this.streams ??= new EncoderStreams(this.modelDir, this.backend, this.plan));
  }
}
