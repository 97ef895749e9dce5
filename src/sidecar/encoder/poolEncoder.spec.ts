import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../engine/backend';
import { loadSentenceEncoder } from '../engine/models/bert';
import { EmbeddingCache, openEmbeddingCache } from '../store/embeddingCache';
import { makeTinyBert } from '../testing/tinyBert';
import { waitFor } from '../testing/waitFor';
import { encoderStarts } from './encoderClient';
import { streamPlan } from './encoderStreams';
import { FIRST_SLICE_ROWS, PoolEncoder, SLICE_ROWS, sliceBounds } from './poolEncoder';

jest.setTimeout(240_000);

const WORDS = ['my', 'card', 'was', 'declined', 'at', 'the', 'atm', 'top', 'up', 'refund', 'pin'];

/** Distinct texts of 1–12 words: lengths vary, so the encoder's sort-by-length reorders them. */
function texts(n: number, salt: string): string[] {
  return Array.from({ length: n }, (_, i) => {
    const words = Array.from({ length: 1 + ((i * 7) % 12) }, (_, k) => WORDS[(i + k * 3) % WORDS.length]);
    return `${words.join(' ')} ${salt}${i}`;
  });
}

describe('sliceBounds', () => {
  it.each([0, 1, 100, FIRST_SLICE_ROWS, FIRST_SLICE_ROWS + 1, 2_000, 10_000])(
    'covers %i rows in order, first slice small, none over SLICE_ROWS, shrinking towards the end',
    rows => {
      const bounds = sliceBounds(rows, 2);
      expect(bounds.flat().length).toBe(2 * bounds.length);
      bounds.forEach(([start, end], i) => {
        expect(start).toBe(i === 0 ? 0 : bounds[i - 1][1]);
        expect(end).toBeGreaterThan(start);
        expect(end - start).toBeLessThanOrEqual(i === 0 ? FIRST_SLICE_ROWS : SLICE_ROWS);
        if (i > 1) {
          expect(end - start).toBeLessThanOrEqual(bounds[i - 1][1] - bounds[i - 1][0]);
        }
      });
      expect(bounds.length === 0 ? 0 : bounds[bounds.length - 1][1]).toBe(rows);
    }
  );

  it('ends a large chunk with small slices, so both streams finish together', () => {
    const sizes = sliceBounds(10_000, 2).map(([start, end]) => end - start);
    expect(sizes[1]).toBe(SLICE_ROWS);
    expect(sizes.slice(-4).every(size => size <= 128)).toBe(true);
  });
});

describe('streamPlan', () => {
  it('gives the cores to separate one-thread streams first, at most two', () => {
    expect(streamPlan(1)).toEqual({ streams: 1, intraOpThreads: 1 });
    expect(streamPlan(2)).toEqual({ streams: 2, intraOpThreads: 1 });
    expect(streamPlan(8)).toEqual({ streams: 2, intraOpThreads: 4 });
  });
});

describe('PoolEncoder on encoder processes (tiny BERT)', () => {
  let tmp: string;
  let modelDir: string;
  let cache: EmbeddingCache;
  let pool: PoolEncoder | undefined;
  const reference = async (input: string[]): Promise<Float32Array> => {
    const encoder = loadSentenceEncoder(modelDir);
    try {
      return await encoder.encode(input);
    } finally {
      encoder.dispose();
    }
  };
  const embedAll = async (encoder: PoolEncoder, input: string[], onFirstSlice = () => undefined) => {
    const slices: { rows: number; last: boolean }[] = [];
    const parts: Float32Array[] = [];
    await encoder.embed(input, async (vectors, last) => {
      if (parts.length === 0) {
        onFirstSlice();
      }
      parts.push(vectors);
      slices.push({ rows: vectors.length / encoder.dim, last });
    });
    const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
    return { out, slices };
  };
  const expectRowsClose = (got: Float32Array, want: Float32Array, dim: number) => {
    expect(got.length).toBe(want.length);
    for (let row = 0; row < want.length / dim; row++) {
      let dot = 0;
      for (let j = 0; j < dim; j++) {
        dot += got[row * dim + j] * want[row * dim + j];
      }
      if (!(dot >= 0.9999)) {
        throw new Error(`row ${row}: cosine ${dot} with the in-process encoder`);
      }
    }
  };

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'tunelab-pool-encoder-'));
    modelDir = makeTinyBert(join(tmp, 'tiny'));
    cache = openEmbeddingCache(join(tmp, 'data'));
    await initBackend({ preferred: 'wasm' });
  }, 240_000);
  afterEach(() => pool?.close());
  afterAll(() => {
    cache?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('delivers every slice in pool order, equal to the in-process encoder, from two processes', async () => {
    const input = texts(FIRST_SLICE_ROWS + 700, 'a');
    const startsBefore = encoderStarts.count;
    pool = new PoolEncoder(modelDir, 32, cache);
    const { out, slices } = await embedAll(pool, input);
    expect(slices.map(s => s.rows)).toEqual(sliceBounds(input.length, streamPlan().streams).map(([a, b]) => b - a));
    expect(slices.map(s => s.last)).toEqual(slices.map((_, i) => i === slices.length - 1));
    expectRowsClose(out, await reference(input), 32);
    // On this 2-core machine the second stream starts once the first has reported its backend.
    const encoder = pool;
    await waitFor(() => encoder.encoderProcessIds().length === streamPlan().streams, 60_000);
    expect(new Set(encoder.encoderProcessIds()).size).toBe(streamPlan().streams);
    expect(encoderStarts.count - startsBefore).toBe(streamPlan().streams);
  });

  it('a process killed while a pool embeds: the other stream takes over and the pool comes in whole', async () => {
    const encoder = new PoolEncoder(modelDir, 32, cache);
    pool = encoder;
    await embedAll(encoder, texts(300, 'b'));
    await waitFor(() => encoder.encoderProcessIds().length === 2, 60_000);
    const [first, second] = encoder.encoderProcessIds();
    const input = texts(3_000, 'c');
    // Killed once the first slice is in: the next slices are then queued or encoding on both streams.
    const { out } = await embedAll(encoder, input, () => void process.kill(first, 'SIGKILL'));
    expectRowsClose(out, await reference(input), 32);
    await waitFor(() => encoder.encoderProcessIds().length === 1, 30_000);
    expect(encoder.encoderProcessIds()).toEqual([second]);

    process.kill(second, 'SIGKILL');
    await waitFor(() => encoder.encoderProcessIds().length === 0, 30_000);
    await expect(embedAll(encoder, texts(50, 'd'))).rejects.toThrow('the encoder process exited with signal SIGKILL');
    // The failed call dropped the dead streams: the next one starts new processes.
    const again = texts(50, 'e');
    expectRowsClose((await embedAll(encoder, again)).out, await reference(again), 32);
  });

  it('reads a cached pool without starting a process', async () => {
    const input = texts(200, 'a'); // embedded by the first test
    const startsBefore = encoderStarts.count;
    pool = new PoolEncoder(modelDir, 32, cache);
    const cached: number[] = [];
    await pool.embed(input, async (_vectors, _last, fromCache) => void cached.push(fromCache));
    expect(cached.reduce((a, b) => a + b, 0)).toBe(200);
    expect(encoderStarts.count).toBe(startsBefore);
  });
});
