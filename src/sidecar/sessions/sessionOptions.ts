import type { SessionConfig, TrainingOptions } from '../../protocol/messages';

/**
 * Defaults the sidecar fills into every session config (SessionInfo shows the effective values); a model's
 * entry in MODEL_TRAINING_DEFAULTS overrides some. InfoNCE, not the cosine siamese loss: on both real
 * datasets of bench/sidecar/labelEfficiency.ts (--variants old,new, 3 seeds, active order) cosine at 1e-3
 * left the model no better than untrained after 150 answers (held-out kNN: Banking77 text-mlp 0.691 → 0.494,
 * Fashion-MNIST mlp 0.757 → 0.759), these defaults improved both on every seed (0.725 and 0.797). On the
 * easy synthetic clusters (--dataset synthetic) cosine learns faster: kNN 0.997 against 0.971, mAP 0.997
 * against 0.924 at 150 answers. bench/results/label-efficiency-defaults-*.json.
 */
export const TRAINING_DEFAULTS = {
  updateEvery: 1,
  epochs: 2,
  learningRate: 1e-3,
  batchSize: 64,
  loss: 'infonce',
  queryOrder: 'active',
  randomShare: 0.2,
  hardNegatives: 0,
  randomNegatives: 0,
  keepSameQuestion: false,
  /** A round of questions (Finetuner's "questions per round"); progress counts answers within it. */
  questionsPerRound: 10
} as const satisfies TrainingOptions;

/**
 * Per-model overrides of TRAINING_DEFAULTS. text-mlp: its hashed n-gram features collide, so every step also
 * moves texts the labels never named; at 1e-3 held-out kNN fell below untrained (Banking77, 50 answers), at
 * 3e-4 it rose on every seed.
 */
export const MODEL_TRAINING_DEFAULTS: Readonly<Record<string, Partial<TrainingOptions>>> = {
  'text-mlp': { learningRate: 3e-4 },
  // sentence-encoder (adapter mode): the pretrained embeddings already rank well, and a dense dim×dim head
  // moves every text at once, so steps stay small (1e-4, with the anchor term of SENTENCE_ADAPTER_TRAINER)
  // to refine the neighbourhoods the labels name instead of reshuffling the rest. Banking77 sample, MiniLM,
  // 800-item pool, 300 held out, 50 answers by intent, updateEvery 5, one seed: held-out kNN 0.553 → 0.567
  // at 1e-4, → 0.540 at 1e-3 (below untrained), → 0.557 at 3e-5.
  'sentence-encoder': { learningRate: 1e-4 }
};

export type TrainingDefaults = Required<Pick<TrainingOptions, keyof typeof TRAINING_DEFAULTS>>;

/** The training defaults of a session model (`SessionConfig.model`). */
export function trainingDefaults(model: string): TrainingDefaults {
  const own = Object.prototype.hasOwnProperty.call(MODEL_TRAINING_DEFAULTS, model);
  return { ...TRAINING_DEFAULTS, ...(own ? MODEL_TRAINING_DEFAULTS[model] : {}) } as TrainingDefaults;
}

/**
 * Defaults of `task: "classification"` sessions, over the model's: a round every 10 answers (Prodigy's
 * batch_size and Label Studio's START_TRAINING_EACH_N_UPDATES), Argilla's 0.9 certainty threshold, margin
 * uncertainty with diversity 0.3 and a 10% random share (docs/classification.md, Active learning).
 */
export const CLASSIFICATION_DEFAULTS = {
  updateEvery: 10,
  certaintyThreshold: 0.9,
  uncertainty: 'margin',
  diversityWeight: 0.3,
  randomShare: 0.1,
  multiLabel: false
} as const satisfies Partial<SessionConfig>;

/** Questions kept prepared per session. */
export const PREFETCH_DEPTH = 3;

export type EffectiveConfig = SessionConfig & TrainingDefaults;

export function withDefaults(config: SessionConfig): EffectiveConfig {
  const filled: Record<string, unknown> = { ...config };
  const task = config.task === 'classification' ? CLASSIFICATION_DEFAULTS : {};
  for (const [key, value] of Object.entries({ ...trainingDefaults(config.model), ...task })) {
    if (filled[key] === undefined) {
      filled[key] = value;
    }
  }
  return filled as EffectiveConfig;
}
