import { HASHED_NGRAM_DIM, HashedNgramEmbedder } from './hashedNgram';

function cosine(matrix: Float32Array, a: number, b: number): number {
  let dot = 0;
  for (let i = 0; i < HASHED_NGRAM_DIM; i++) {
    dot += matrix[a * HASHED_NGRAM_DIM + i] * matrix[b * HASHED_NGRAM_DIM + i];
  }
  return dot;
}

describe('HashedNgramEmbedder', () => {
  const embedder = new HashedNgramEmbedder();

  it('produces L2-normalised rows of 512 dims, zero for text without words', () => {
    const vectors = embedder.embed(['How do I reset my card PIN?', '', '?!']);
    expect(vectors.length).toBe(3 * HASHED_NGRAM_DIM);
    expect(cosine(vectors, 0, 0)).toBeCloseTo(1, 5);
    expect(cosine(vectors, 1, 1)).toBe(0);
    expect(cosine(vectors, 2, 2)).toBe(0);
  });

  it('ranks near-duplicates above unrelated texts', () => {
    const texts = [
      'How do I reset my card PIN?',
      'how can i reset the PIN of my card',
      'The weather in Lisbon is sunny today',
      'Transfer money to a foreign account'
    ];
    const vectors = embedder.embed(texts);
    const nearDuplicate = cosine(vectors, 0, 1);
    expect(nearDuplicate).toBeGreaterThan(0.5);
    expect(nearDuplicate).toBeGreaterThan(cosine(vectors, 0, 2) + 0.3);
    expect(nearDuplicate).toBeGreaterThan(cosine(vectors, 0, 3) + 0.3);
  });

  it('ignores case and punctuation, and is deterministic', () => {
    const vectors = embedder.embed(['Card PIN reset!', 'card pin reset', 'Card PIN reset!']);
    expect(cosine(vectors, 0, 1)).toBeCloseTo(1, 5);
    expect([...vectors.subarray(0, HASHED_NGRAM_DIM)]).toEqual([...vectors.subarray(2 * HASHED_NGRAM_DIM)]);
  });
});
