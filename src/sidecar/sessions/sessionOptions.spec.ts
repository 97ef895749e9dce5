import type { SessionConfig } from '../../protocol/messages';
import { AllowedRoot } from '../data/allowedRoot';
import { planModel, TEXT_MLP_TRAINER } from '../models/modelPlan';
import { MODEL_TRAINING_DEFAULTS, TRAINING_DEFAULTS, trainingDefaults, withDefaults } from './sessionOptions';

const config = (extra: Partial<SessionConfig>): SessionConfig => ({
  name: 'options',
  task: 'similarity',
  model: 'mlp',
  contentType: 'vector',
  topK: 10,
  ...extra
});

describe('session training defaults', () => {
  it('train with InfoNCE; text-mlp at a lower learning rate than the other models', () => {
    for (const model of ['mlp', 'cnn', 'file', 'text-mlp']) {
      expect(withDefaults(config({ model })).loss).toBe('infonce');
    }
    expect(withDefaults(config({ model: 'mlp' })).learningRate).toBe(1e-3);
    expect(withDefaults(config({ model: 'cnn' })).learningRate).toBe(1e-3);
    expect(withDefaults(config({ model: 'text-mlp', contentType: 'text' })).learningRate).toBe(3e-4);
  });

  it('explicit options win over the model defaults', () => {
    const filled = withDefaults(config({ model: 'text-mlp', contentType: 'text', learningRate: 1e-3, loss: 'cosine' }));
    expect(filled.learningRate).toBe(1e-3);
    expect(filled.loss).toBe('cosine');
    expect(filled.epochs).toBe(TRAINING_DEFAULTS.epochs);
  });

  it('fills every default key for every model and leaves the tables unchanged', () => {
    const before = JSON.stringify([TRAINING_DEFAULTS, MODEL_TRAINING_DEFAULTS]);
    for (const model of ['hashed-ngram', 'text-mlp', 'mlp', 'cnn', 'file', 'constructor', '__proto__', 'unknown']) {
      const defaults = trainingDefaults(model);
      expect(Object.keys(defaults).sort()).toEqual(Object.keys(TRAINING_DEFAULTS).sort());
      for (const value of Object.values(defaults)) {
        expect(value).not.toBeUndefined();
      }
    }
    expect(trainingDefaults('constructor')).toEqual(TRAINING_DEFAULTS);
    expect(JSON.stringify([TRAINING_DEFAULTS, MODEL_TRAINING_DEFAULTS])).toBe(before);
  });

  it('text-mlp trains anchored to its starting model; the vector and image models do not', () => {
    const trainerOf = (extra: Partial<SessionConfig>) => {
      const plan = planModel(config(extra), new AllowedRoot(process.cwd()));
      return plan.kind === 'trainable' ? plan.spec.trainer : undefined;
    };
    expect(TEXT_MLP_TRAINER.anchorWeight).toBeGreaterThan(0);
    expect(trainerOf({ model: 'text-mlp', contentType: 'text' })).toEqual(TEXT_MLP_TRAINER);
    expect(trainerOf({ model: 'mlp', inputShape: [8] })?.anchorWeight ?? 0).toBe(0);
    expect(trainerOf({ model: 'cnn', contentType: 'image', inputShape: [8, 8, 1] })?.anchorWeight ?? 0).toBe(0);
  });
});
