/**
 * Training steps per second of all-MiniLM-L6-v2 in the sidecar's trainer (wasm, and native `tensorflow` when
 * `make native` has built it) for the three training
 * modes — adapter (linear head over cached embeddings), top-2 layers, full fine-tune — against
 * sentence-transformers/PyTorch doing the same step (bench/baselines/torch_train_minilm.py: InfoNCE with
 * in-batch negatives, scale 20, Adam 1e-4, `--batch` pairs = 2·batch distinct Banking77 texts a step), on
 * the same machine in one run, reported as ratios against PyTorch with one thread (wasm has one).
 * Anchor term and random negatives are off on both sides so the steps do the same work.
 * Usage: node bench/run.cjs bench/engine/bertTrain.ts [--batch 16] [--steps 5] [--smoke] [--out file]
 * Needs the venv of `make install` (the model path and the PyTorch side).
 */
import { spawnSync } from 'child_process';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/sidecar/engine/backend';
import { loadSentenceEncoder } from '../../src/sidecar/engine/models/bert';
import { createLinearAdapter } from '../../src/sidecar/engine/models';
import { BertEmbedding, PairwiseTrainer, tokenRows } from '../../src/sidecar/engine/training';
import type { PairLabel, TrainerOptions } from '../../src/sidecar/engine/training';
import { SMOKE, numberOption, writeResult } from '../common/benchRun';
import { tryNativeBackend } from '../common/nativeBackend';

const ROOT = path.resolve(__dirname, '../..');
const PYTHON = path.join(ROOT, '.venv', 'bin', 'python');
const FIXTURES = path.join(ROOT, 'tests', 'fixtures');
const BATCH = numberOption('batch', SMOKE ? 4 : 16);
const STEPS = numberOption('steps', SMOKE ? 1 : 5);
const TEXTS = numberOption('texts', SMOKE ? 16 : 64);

type Mode = 'adapter' | 'top-2' | 'full';
const MODES: Mode[] = ['adapter', 'top-2', 'full'];

function python(args: string[]): string {
  const run = spawnSync(PYTHON, args, { encoding: 'utf8', env: { ...process.env, HF_HUB_OFFLINE: '1' } });
  if (run.status !== 0) {
    throw new Error(`${args.join(' ')} failed:\n${run.stderr}`);
  }
  return run.stdout.trim().split('\n').pop() ?? '';
}

/** (2k, 2k+1) relevant: each pair's items are distinct texts, so a batch of B pairs forwards 2B texts. */
function labels(n: number): PairLabel[] {
  return Array.from({ length: Math.floor(n / 2) }, (_, k) => ({ query: 2 * k, candidate: 2 * k + 1, relevant: true }));
}

/** Steps/s of `STEPS` steps after one warm-up round. */
async function stepsPerSecond(trainer: PairwiseTrainer, pool: Float32Array, n: number): Promise<number> {
  trainer.setPool(pool);
  trainer.setLabels(labels(n));
  await trainer.trainRound({ batchSize: BATCH });
  const t0 = performance.now();
  const done = await trainer.trainRound({ batchSize: BATCH });
  const seconds = (performance.now() - t0) / 1000;
  return done.steps / seconds;
}

async function main(): Promise<void> {
  const torch = JSON.parse(
    python([
      path.join(ROOT, 'bench', 'baselines', 'torch_train_minilm.py'),
      '--batch',
      String(BATCH),
      '--steps',
      String(STEPS),
      '--texts',
      String(TEXTS),
      ...(SMOKE ? ['--smoke'] : [])
    ])
  ) as Record<string, number | string>;
  const texts = JSON.parse(
    python([
      '-c',
      `import json,sys; sys.path.insert(0, ${JSON.stringify(FIXTURES)}); from bert_reference import banking_texts; print(json.dumps(banking_texts(${TEXTS})))`
    ])
  ) as string[];
  const backend = await initBackend({ preferred: 'wasm' });
  // Every round makes STEPS steps of BATCH pairs; no anchor, no random negatives (as the PyTorch step).
  const options: TrainerOptions = {
    learningRate: 1e-4,
    randomNegatives: 0,
    anchorWeight: 0,
    maxExamplesPerEpoch: STEPS * BATCH
  };
  /** Steps/s of every mode on the active backend. */
  const measureModes = async (label: string): Promise<Record<string, number>> => {
    const rates: Record<string, number> = {};
    for (const mode of MODES) {
      const encoder = loadSentenceEncoder(String(torch.model));
      let trainer: PairwiseTrainer;
      let pool: Float32Array;
      if (mode === 'adapter') {
        pool = await encoder.encode(texts);
        trainer = new PairwiseTrainer(createLinearAdapter({ dim: encoder.dim }), options);
        encoder.dispose();
      } else {
        pool = tokenRows(encoder.tokenizer, texts);
        trainer = new PairwiseTrainer(
          new BertEmbedding(encoder, { trainLayers: mode === 'full' ? undefined : 2 }),
          options
        );
      }
      rates[mode] = await stepsPerSecond(trainer, pool, texts.length);
      trainer.dispose();
      console.error(`${mode}: ${rates[mode].toFixed(3)} steps/s (${label}), tensors live ${tf.memory().numTensors}`);
    }
    return rates;
  };
  const tfjs = await measureModes(backend.name);
  const native = await tryNativeBackend();
  const tensorflow = native.available ? await measureModes('tensorflow') : undefined;
  if (!native.available) {
    console.error(`native tensorflow not measured: ${native.reason}`);
  }
  const result = {
    what: 'all-MiniLM-L6-v2 training steps/s per mode, InfoNCE, Adam 1e-4, Banking77 texts',
    batchPairs: BATCH,
    textsPerStep: 2 * BATCH,
    steps: STEPS,
    backend: backend.name,
    tfjsStepsPerSecond: tfjs,
    /** The same steps on native `tensorflow` (make native), when it loads; `native` says why not otherwise. */
    ...(tensorflow ? { tensorflowStepsPerSecond: tensorflow } : {}),
    native,
    torch,
    ratioVsTorch1Thread: Object.fromEntries(
      MODES.map(mode => [mode, tfjs[mode] / Number(torch[`torch_${mode}_threads_1`])])
    ),
    // Other work on the machine skews both sides; record it with the numbers.
    loadAverage1m: os.loadavg()[0]
  };
  console.log(JSON.stringify(result, null, 2));
  writeResult('bert-train', result);
}

main().catch(err => {
  console.error(err);
  process.exit(1);
});
