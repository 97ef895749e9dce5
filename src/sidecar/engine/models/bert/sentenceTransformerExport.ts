import * as fs from 'fs';
import * as path from 'path';
import { EngineError } from '../../errors';
import { canonicalName } from './bertModel';
import { BertConfig, readBertConfig, readSentencePipeline } from './config';
import { copyFileSynced, writeDirectoryAtomically, writeFileSynced } from './durableFiles';
import { NamedTensor, readSafetensors } from './safetensors';
import { writeSafetensors } from './safetensorsWriter';
import { resolveMaxLength } from './tokenizer';

/**
 * Export of a (tuned) BERT-family sentence encoder as a standard sentence-transformers directory, which
 * `SentenceTransformer(path)` loads without trust_remote_code and `tunelab.model.load_sentence_encoder`
 * runs with numpy. Layout (docs/model-format.md):
 *
 *   config.json, model.safetensors, tokenizer files   the Transformer module (Hugging Face BertModel)
 *   sentence_bert_config.json                         its max_seq_length
 *   1_Pooling/config.json                             pooling, as in the source directory
 *   k_Dense/{config.json, model.safetensors}          one per head layer (`linear.weight` [out, in], `linear.bias`)
 *   k_Normalize/config.json                           L2 normalisation
 *   modules.json, config_sentence_transformers.json, tunelab.json
 */

export type DenseActivation = 'identity' | 'tanh';

export interface DenseLayerWeights {
  inFeatures: number;
  outFeatures: number;
  /** Row-major [out, in], torch.nn.Linear's layout. */
  weight: Float32Array;
  bias: Float32Array | null;
  activation: DenseActivation;
}

export interface SentenceTransformerExport {
  /** The Hugging Face / sentence-transformers directory the encoder was loaded from (tokenizer, config, pooling). */
  sourceDir: string;
  /** Trained encoder weights by Hugging Face name (`BertModel.hfTensors()`); null/undefined: the source's, unchanged. */
  encoderTensors?: ReadonlyMap<string, NamedTensor> | null;
  /** Head layers after pooling, in order; may be empty. */
  dense: DenseLayerWeights[];
  /** L2-normalise the final embedding. */
  normalize: boolean;
  /**
   * L2-normalise the pooled vector before the head. Default: whether the source pipeline normalises, which
   * is what `SentenceEncoder.embedBatch` returns, so a head trained on its output is exported as it ran.
   */
  normalizePooled?: boolean;
  /** Provenance (Tunelab session, model version, …): into the safetensors `__metadata__` and `tunelab.json`. */
  metadata?: Record<string, string>;
}

/** `tunelab.json`'s `format` and `formatVersion` for these directories. */
export const TUNELAB_EXPORT_FORMAT = 'tunelab-sentence-transformers';
export const TUNELAB_EXPORT_FORMAT_VERSION = 1;

const TOKENIZER_FILES = ['tokenizer.json', 'vocab.txt', 'tokenizer_config.json', 'special_tokens_map.json'];
// Class paths as sentence-transformers' Dense saves them (its `fullname(activation)`); both are torch.nn
// Modules, which Dense loads without trust_remote_code.
const ACTIVATION_CLASSES: Record<DenseActivation, string> = {
  identity: 'torch.nn.modules.linear.Identity',
  tanh: 'torch.nn.modules.activation.Tanh'
};
// Tensors a Hugging Face BertModel holds; anything else in the source (an MLM head, …) is not exported.
const BERT_PREFIXES = ['embeddings.', 'encoder.', 'pooler.'];

/** What goes into one file: text, a copy of a source file, or float32 tensors (safetensors). */
type FileContent = { text: string } | { copyOf: string } | { tensors: Map<string, NamedTensor> };

interface Module {
  path: string;
  type: 'Transformer' | 'Pooling' | 'Dense' | 'Normalize';
  files: Record<string, FileContent>;
}

function json(value: unknown): FileContent {
  return { text: `${JSON.stringify(value, null, 2)}\n` };
}

function checkDense(dense: readonly DenseLayerWeights[], inputDim: number): void {
  let expectedIn = inputDim;
  dense.forEach((d, i) => {
    const what = `dense layer ${i}`;
    if (!Number.isInteger(d.inFeatures) || !Number.isInteger(d.outFeatures) || d.outFeatures <= 0) {
      throw new EngineError('bad_input', `${what}: inFeatures/outFeatures must be positive integers`);
    }
    if (d.inFeatures !== expectedIn) {
      throw new EngineError(
        'shape_mismatch',
        `${what} takes ${d.inFeatures} features but receives ${expectedIn} (${i === 0 ? 'the pooled embedding' : `layer ${i - 1}'s output`})`,
        { expected: expectedIn, actual: d.inFeatures }
      );
    }
    if (d.weight.length !== d.inFeatures * d.outFeatures) {
      throw new EngineError(
        'shape_mismatch',
        `${what}: weight has ${d.weight.length} values, [${d.outFeatures}, ${d.inFeatures}] needs ${d.inFeatures * d.outFeatures}`
      );
    }
    if (d.bias && d.bias.length !== d.outFeatures) {
      throw new EngineError('shape_mismatch', `${what}: bias has ${d.bias.length} values, needs ${d.outFeatures}`);
    }
    if (!(d.activation in ACTIVATION_CLASSES)) {
      throw new EngineError('bad_input', `${what}: activation '${String(d.activation)}' is not identity or tanh`);
    }
    for (const [name, values] of [
      ['weight', d.weight],
      ['bias', d.bias ?? new Float32Array()]
    ] as const) {
      const bad = values.findIndex(v => !Number.isFinite(v));
      if (bad >= 0) {
        throw new EngineError('bad_data', `${what}: ${name}[${bad}] is ${values[bad]}`);
      }
    }
    expectedIn = d.outFeatures;
  });
}

/**
 * The encoder's safetensors: the source checkpoint's BertModel tensors (canonical names, float32) with
 * `trained` in place of the source values. Every trained tensor must exist in the source with the same
 * shape, which catches weights from another model before they are written.
 */
function encoderTensorsFor(sourceWeights: string, trained: ReadonlyMap<string, NamedTensor>): Map<string, NamedTensor> {
  const source = new Map<string, NamedTensor>();
  for (const [name, t] of readSafetensors(sourceWeights)) {
    const canonical = canonicalName(name);
    if (BERT_PREFIXES.some(p => canonical.startsWith(p))) {
      source.set(canonical, t);
    }
  }
  for (const [name, t] of trained) {
    const old = source.get(name);
    if (!old) {
      throw new EngineError('bad_input', `encoder tensor '${name}' is not in ${sourceWeights}`);
    }
    if (old.shape.join('x') !== t.shape.join('x')) {
      throw new EngineError(
        'shape_mismatch',
        `encoder tensor '${name}' has shape [${t.shape.join(', ')}], the source's is [${old.shape.join(', ')}]`,
        { expected: old.shape, actual: t.shape }
      );
    }
    const bad = t.values.findIndex(v => !Number.isFinite(v));
    if (bad >= 0) {
      throw new EngineError('bad_data', `encoder tensor '${name}' has a non-finite value at ${bad}`);
    }
    source.set(name, t);
  }
  return source;
}

/** The Pooling module config: the source's own file if it has one, else mean pooling (what a plain HF dir gets). */
function poolingConfig(sourceDir: string, config: BertConfig): FileContent {
  const modulesFile = path.join(sourceDir, 'modules.json');
  if (fs.existsSync(modulesFile)) {
    // readSentencePipeline has already parsed and validated this list.
    const modules = JSON.parse(fs.readFileSync(modulesFile, 'utf8')) as Array<Record<string, unknown>>;
    const pooling = modules.find(m => String(m.type ?? '').endsWith('.Pooling'));
    const file = pooling ? path.join(sourceDir, String(pooling.path ?? ''), 'config.json') : '';
    if (file && fs.existsSync(file)) {
      return { copyOf: file };
    }
  }
  // The legacy boolean keys: every sentence-transformers version reads them (6.x converts them).
  return json({
    word_embedding_dimension: config.hiddenSize,
    pooling_mode_cls_token: false,
    pooling_mode_mean_tokens: true,
    pooling_mode_max_tokens: false,
    pooling_mode_mean_sqrt_len_tokens: false
  });
}

function denseModule(d: DenseLayerWeights): Module['files'] {
  const tensors = new Map<string, NamedTensor>([
    ['linear.weight', { shape: [d.outFeatures, d.inFeatures], values: d.weight }]
  ]);
  if (d.bias) {
    tensors.set('linear.bias', { shape: [d.outFeatures], values: d.bias });
  }
  return {
    'config.json': json({
      in_features: d.inFeatures,
      out_features: d.outFeatures,
      bias: d.bias !== null,
      activation_function: ACTIVATION_CLASSES[d.activation]
    }),
    'model.safetensors': { tensors }
  };
}

/**
 * Writes `model` as a sentence-transformers directory at `outDir`, atomically (temporary sibling, then
 * rename), replacing an earlier export there. Returns the files written, relative to `outDir`.
 */
export function writeSentenceTransformerDir(outDir: string, model: SentenceTransformerExport): string[] {
  const src = model.sourceDir;
  if (!fs.existsSync(src) || !fs.statSync(src).isDirectory()) {
    throw new EngineError('io', `source model directory ${src} does not exist`);
  }
  const sourceWeights = path.join(src, 'model.safetensors');
  if (!fs.existsSync(sourceWeights)) {
    throw new EngineError('io', `${src} has no model.safetensors`);
  }
  if (path.resolve(outDir) === path.resolve(src)) {
    throw new EngineError('bad_input', `cannot export over the source model directory ${src}`);
  }
  const config = readBertConfig(src);
  const pipeline = readSentencePipeline(src);
  checkDense(model.dense, config.hiddenSize);
  const normalizePooled = model.normalizePooled ?? pipeline.normalize;
  const userMetadata = { ...(model.metadata ?? {}) };
  for (const [k, v] of Object.entries(userMetadata)) {
    if (typeof v !== 'string') {
      throw new EngineError('bad_input', `metadata '${k}' must be a string, got ${typeof v}`);
    }
  }
  // "format": "pt" is what transformers 4.x requires of a safetensors checkpoint's metadata.
  const tensorMetadata = { ...userMetadata, format: 'pt' };

  const sbertConfig = path.join(src, 'sentence_bert_config.json');
  const transformerFiles: Module['files'] = {
    'config.json': { copyOf: path.join(src, 'config.json') },
    // A frozen encoder keeps the source checkpoint byte for byte.
    'model.safetensors': model.encoderTensors
      ? { tensors: encoderTensorsFor(sourceWeights, model.encoderTensors) }
      : { copyOf: sourceWeights },
    'sentence_bert_config.json': fs.existsSync(sbertConfig)
      ? { copyOf: sbertConfig }
      : json({ max_seq_length: resolveMaxLength(src), do_lower_case: false })
  };
  const tokenizerFiles = TOKENIZER_FILES.filter(f => fs.existsSync(path.join(src, f)));
  if (!tokenizerFiles.includes('tokenizer.json') && !tokenizerFiles.includes('vocab.txt')) {
    throw new EngineError('io', `${src} has neither tokenizer.json nor vocab.txt`);
  }
  for (const f of tokenizerFiles) {
    transformerFiles[f] = { copyOf: path.join(src, f) };
  }

  const modules: Module[] = [
    { path: '', type: 'Transformer', files: transformerFiles },
    { path: '1_Pooling', type: 'Pooling', files: { 'config.json': poolingConfig(src, config) } }
  ];
  const normalizeModule = (): Module => ({
    path: `${modules.length}_Normalize`,
    type: 'Normalize',
    files: { 'config.json': json({}) }
  });
  if (normalizePooled && model.dense.length > 0) {
    modules.push(normalizeModule());
  }
  for (const d of model.dense) {
    modules.push({ path: `${modules.length}_Dense`, type: 'Dense', files: denseModule(d) });
  }
  if (model.normalize || (normalizePooled && model.dense.length === 0)) {
    modules.push(normalizeModule());
  }

  const rootFiles: Record<string, FileContent> = {
    'modules.json': json(
      modules.map((m, idx) => ({
        idx,
        name: String(idx),
        path: m.path,
        type: `sentence_transformers.models.${m.type}`
      }))
    ),
    'config_sentence_transformers.json': json({
      model_type: 'SentenceTransformer',
      prompts: {},
      default_prompt_name: null,
      similarity_fn_name: 'cosine'
    }),
    'tunelab.json': json({
      format: TUNELAB_EXPORT_FORMAT,
      formatVersion: TUNELAB_EXPORT_FORMAT_VERSION,
      sourceDir: path.resolve(src),
      encoder: model.encoderTensors ? 'trained' : 'frozen',
      pooling: pipeline.pooling,
      normalizePooled,
      dense: model.dense.map(d => ({
        inFeatures: d.inFeatures,
        outFeatures: d.outFeatures,
        bias: d.bias !== null,
        activation: d.activation
      })),
      normalize: model.normalize,
      outputDim: model.dense.length > 0 ? model.dense[model.dense.length - 1].outFeatures : config.hiddenSize,
      metadata: userMetadata
    })
  };

  const written: string[] = [];
  writeDirectoryAtomically(
    outDir,
    tmp => {
      const put = (rel: string, content: FileContent) => {
        const file = path.join(tmp, rel);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        if ('tensors' in content) {
          writeSafetensors(file, content.tensors, tensorMetadata);
        } else if ('copyOf' in content) {
          copyFileSynced(content.copyOf, file);
        } else {
          writeFileSynced(file, content.text);
        }
        written.push(rel);
      };
      for (const m of modules) {
        for (const [name, content] of Object.entries(m.files)) {
          put(path.posix.join(m.path, name), content);
        }
      }
      for (const [name, content] of Object.entries(rootFiles)) {
        put(name, content);
      }
    },
    existing => fs.existsSync(path.join(existing, 'modules.json'))
  );
  return written.sort();
}
