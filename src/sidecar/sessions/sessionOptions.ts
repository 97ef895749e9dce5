import type { SessionConfig, TrainingOptions } from '../../protocol/messages';

/** Defaults the sidecar fills into every session config (SessionInfo shows the effective values). */
export const TRAINING_DEFAULTS = {
  updateEvery: 1,
  epochs: 2,
  learningRate: 1e-3,
  batchSize: 64,
  loss: 'cosine',
  queryOrder: 'active',
  randomShare: 0.2,
  hardNegatives: 0,
  randomNegatives: 0,
  keepSameQuestion: false,
  /** A round of questions (Finetuner's "questions per round"); progress counts answers within it. */
  questionsPerRound: 10
} as const satisfies TrainingOptions;

/** Questions kept prepared per session. */
export const PREFETCH_DEPTH = 3;

export type EffectiveConfig = SessionConfig & Required<Pick<TrainingOptions, keyof typeof TRAINING_DEFAULTS>>;

export function withDefaults(config: SessionConfig): EffectiveConfig {
  const filled: Record<string, unknown> = { ...config };
  for (const [key, value] of Object.entries(TRAINING_DEFAULTS)) {
    if (filled[key] === undefined) {
      filled[key] = value;
    }
  }
  return filled as EffectiveConfig;
}
