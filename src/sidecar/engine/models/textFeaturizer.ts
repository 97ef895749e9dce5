import { assertPositiveInt, EngineError } from '../errors';

export interface TextFeaturizerConfig {
  /** Width of the hashed feature vector. */
  buckets: number;
  /** Inclusive range of character n-gram lengths (over each word padded with spaces); [0, 0] disables. */
  charNgrams: [number, number];
  /** Word unigrams and bigrams. */
  words: boolean;
  lowercase: boolean;
  /** Hash seed, so two featurizers can use independent hashings. */
  seed: number;
}

export function resolveTextFeaturizerConfig(c: Partial<TextFeaturizerConfig> = {}): TextFeaturizerConfig {
  const cfg: TextFeaturizerConfig = {
    buckets: c.buckets ?? 4096,
    charNgrams: c.charNgrams ?? [3, 5],
    words: c.words ?? true,
    lowercase: c.lowercase ?? true,
    seed: c.seed ?? 0
  };
  assertPositiveInt(cfg.buckets, 'buckets');
  const [lo, hi] = cfg.charNgrams;
  if (!(Number.isInteger(lo) && Number.isInteger(hi) && lo >= 0 && hi >= lo)) {
    throw new EngineError('bad_config', `charNgrams must be [min, max] with 0 <= min <= max, got [${lo}, ${hi}]`);
  }
  if (!cfg.words && hi === 0) {
    throw new EngineError('bad_config', 'the text featurizer needs words or char n-grams');
  }
  return cfg;
}

/** FNV-1a over UTF-16 code units, with a seed and a one-char feature-type prefix. */
function hash(s: string, prefix: number, seed: number): number {
  let h = (0x811c9dc5 ^ seed ^ prefix) >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // final avalanche (murmur3 fmix32)
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

const WORD_RE = /[\p{L}\p{N}]+/gu;

/**
 * Writes the hashed features of `text` into `out` (length `buckets`): signed counts of word unigrams,
 * bigrams and char n-grams, sublinearly scaled and L2-normalised. Deterministic, pure JS.
 */
export function featurizeTextInto(text: string, cfg: TextFeaturizerConfig, out: Float32Array): void {
  out.fill(0);
  const t = cfg.lowercase ? text.toLowerCase() : text;
  const words = t.match(WORD_RE) ?? [];
  const add = (feature: string, prefix: number) => {
    const h = hash(feature, prefix, cfg.seed);
    const bucket = (h >>> 1) % cfg.buckets;
    out[bucket] += h & 1 ? 1 : -1;
  };
  const [lo, hi] = cfg.charNgrams;
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (cfg.words) {
      add(w, 1);
      if (i + 1 < words.length) {
        add(`${w} ${words[i + 1]}`, 2);
      }
    }
    if (hi > 0) {
      const padded = ` ${w} `;
      for (let n = Math.max(1, lo); n <= hi; n++) {
        for (let s = 0; s + n <= padded.length; s++) {
          add(padded.slice(s, s + n), 3 + n);
        }
      }
    }
  }
  let norm = 0;
  for (let i = 0; i < out.length; i++) {
    const v = out[i];
    if (v !== 0) {
      const scaled = Math.sign(v) * Math.log1p(Math.abs(v));
      out[i] = scaled;
      norm += scaled * scaled;
    }
  }
  if (norm > 0) {
    const inv = 1 / Math.sqrt(norm);
    for (let i = 0; i < out.length; i++) {
      out[i] *= inv;
    }
  }
}

/** Featurizes one text into a new Float32Array of length `buckets`. */
export function featurizeText(text: string, config: Partial<TextFeaturizerConfig> = {}): Float32Array {
  const cfg = resolveTextFeaturizerConfig(config);
  const out = new Float32Array(cfg.buckets);
  featurizeTextInto(text, cfg, out);
  return out;
}

/** Featurizes many texts into one row-major Float32Array (texts.length × buckets), e.g. a whole pool once. */
export function featurizeTexts(texts: readonly string[], config: Partial<TextFeaturizerConfig> = {}): Float32Array {
  const cfg = resolveTextFeaturizerConfig(config);
  const out = new Float32Array(texts.length * cfg.buckets);
  texts.forEach((text, i) => {
    if (typeof text !== 'string') {
      throw new EngineError('bad_data', `text row ${i} is not a string`, { row: i });
    }
    featurizeTextInto(text, cfg, out.subarray(i * cfg.buckets, (i + 1) * cfg.buckets));
  });
  return out;
}
