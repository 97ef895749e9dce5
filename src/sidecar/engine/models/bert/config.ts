import * as fs from 'fs';
import * as path from 'path';
import { EngineError } from '../../errors';
import { readJsonIfExists } from './tokenizer';

/** The part of a Hugging Face `config.json` a BERT-family encoder needs. */
export interface BertConfig {
  vocabSize: number;
  hiddenSize: number;
  numHiddenLayers: number;
  numAttentionHeads: number;
  intermediateSize: number;
  maxPositionEmbeddings: number;
  typeVocabSize: number;
  layerNormEps: number;
  hiddenAct: 'gelu' | 'gelu_new' | 'relu';
}

export type PoolingMode = 'mean' | 'cls' | 'max';

/** How sentence-transformers turns token embeddings into one vector (`modules.json` + its module configs). */
export interface SentencePipeline {
  pooling: PoolingMode;
  normalize: boolean;
}

const SUPPORTED_MODEL_TYPES = ['bert'];
const SUPPORTED_ACTIVATIONS = ['gelu', 'gelu_new', 'relu'];

function num(cfg: Record<string, unknown>, key: string, fallback?: number): number {
  const v = cfg[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new EngineError('bad_config', `config.json: '${key}' must be a number, got ${String(v)}`);
  }
  return v;
}

/** Reads and checks `config.json` of a BERT-family model directory. */
export function readBertConfig(dir: string): BertConfig {
  const cfg = readJsonIfExists(path.join(dir, 'config.json'));
  if (!cfg) {
    throw new EngineError('io', `${dir} has no config.json (not a Hugging Face model directory)`);
  }
  const modelType = String(cfg.model_type ?? 'bert');
  if (!SUPPORTED_MODEL_TYPES.includes(modelType)) {
    throw new EngineError(
      'bad_config',
      `model_type '${modelType}' is not supported (supported: ${SUPPORTED_MODEL_TYPES.join(', ')})`
    );
  }
  const positions = cfg.position_embedding_type ?? 'absolute';
  if (positions !== 'absolute') {
    throw new EngineError('bad_config', `position_embedding_type '${String(positions)}' is not supported`);
  }
  const act = String(cfg.hidden_act ?? 'gelu');
  if (!SUPPORTED_ACTIVATIONS.includes(act)) {
    throw new EngineError('bad_config', `hidden_act '${act}' is not supported (${SUPPORTED_ACTIVATIONS.join(', ')})`);
  }
  const config: BertConfig = {
    vocabSize: num(cfg, 'vocab_size'),
    hiddenSize: num(cfg, 'hidden_size'),
    numHiddenLayers: num(cfg, 'num_hidden_layers'),
    numAttentionHeads: num(cfg, 'num_attention_heads'),
    intermediateSize: num(cfg, 'intermediate_size'),
    maxPositionEmbeddings: num(cfg, 'max_position_embeddings'),
    typeVocabSize: num(cfg, 'type_vocab_size', 2),
    layerNormEps: num(cfg, 'layer_norm_eps', 1e-12),
    hiddenAct: act as BertConfig['hiddenAct']
  };
  if (config.hiddenSize % config.numAttentionHeads !== 0) {
    throw new EngineError('bad_config', 'hidden_size must be a multiple of num_attention_heads');
  }
  return config;
}

// Legacy boolean keys (sentence-transformers < 6 and most published models) and their mode names.
const LEGACY_POOLING_KEYS: Record<string, string> = {
  pooling_mode_cls_token: 'cls',
  pooling_mode_mean_tokens: 'mean',
  pooling_mode_max_tokens: 'max',
  pooling_mode_mean_sqrt_len_tokens: 'mean_sqrt_len_tokens',
  pooling_mode_weightedmean_tokens: 'weightedmean',
  pooling_mode_lasttoken: 'lasttoken'
};

/** The pooling mode of a Pooling module's config: `pooling_mode` (v6+) or the legacy boolean keys. */
function poolingMode(cfg: Record<string, unknown>, where: string): PoolingMode {
  let modes: string[];
  if (typeof cfg.pooling_mode === 'string') {
    modes = [cfg.pooling_mode];
  } else if (Array.isArray(cfg.pooling_mode)) {
    modes = cfg.pooling_mode.map(String);
  } else {
    modes = Object.entries(LEGACY_POOLING_KEYS)
      .filter(([key]) => cfg[key] === true)
      .map(([, mode]) => mode);
  }
  if (modes.length !== 1 || !['mean', 'cls', 'max'].includes(modes[0])) {
    throw new EngineError(
      'bad_config',
      `pooling [${modes.join(', ')}] in ${where || '.'} is not supported (one of mean, cls, max)`
    );
  }
  return modes[0] as PoolingMode;
}

/**
 * Reads the sentence-transformers pipeline of a model directory. A plain Hugging Face directory (no
 * `modules.json`) gets what sentence-transformers itself would give it: mean pooling, no normalisation.
 */
export function readSentencePipeline(dir: string): SentencePipeline {
  const modulesFile = path.join(dir, 'modules.json');
  if (!fs.existsSync(modulesFile)) {
    return { pooling: 'mean', normalize: false };
  }
  let modules: unknown;
  try {
    modules = JSON.parse(fs.readFileSync(modulesFile, 'utf8'));
  } catch (e) {
    throw new EngineError('io', `${modulesFile} is not valid JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(modules)) {
    throw new EngineError('bad_config', `${modulesFile} must hold a list of modules`);
  }
  let pooling: PoolingMode = 'mean';
  let normalize = false;
  for (const m of modules as Array<Record<string, unknown>>) {
    const type = String(m.type ?? '');
    if (type.endsWith('.Pooling')) {
      pooling = poolingMode(
        readJsonIfExists(path.join(dir, String(m.path ?? ''), 'config.json')) ?? {},
        String(m.path)
      );
    } else if (type.endsWith('.Normalize')) {
      normalize = true;
    } else if (!type.endsWith('.Transformer')) {
      throw new EngineError('bad_config', `sentence-transformers module ${type} is not supported`);
    }
  }
  return { pooling, normalize };
}
