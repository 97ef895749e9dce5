import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../backend';
import { loadSentenceEncoder } from '../models/bert';
import { makeTinyBert } from '../../testing/tinyBert';
import { BertEmbedding, tokenRows } from './bertEmbedding';
import { PairLabel, PairwiseTrainer } from './pairwiseTrainer';

/** PairwiseTrainer training a BERT encoder itself (the tiny random BERT: 2 layers, hidden 32). */

jest.setTimeout(120_000);

const WORDS = ['my', 'card', 'account', 'money', 'transfer', 'payment', 'pin', 'refund', 'atm', 'top', 'up'];
const TEXTS = Array.from({ length: 24 }, (_, i) =>
  [0, 1, 2].map(k => WORDS[(i * (k + 2) + k * 5) % WORDS.length]).join(' ')
);
/** Two groups by parity: each text relevant to the next one of its group. */
const LABELS: PairLabel[] = Array.from({ length: 20 }, (_, i) => ({ query: i, candidate: i + 2, relevant: true }));

function values(v: tf.Variable): Float32Array {
  return Float32Array.from(v.dataSync() as Float32Array);
}

describe('BertEmbedding in PairwiseTrainer', () => {
  let tmp: string;
  let dir: string;

  beforeAll(async () => {
    await initBackend({ preferred: 'wasm' });
    tmp = mkdtempSync(join(tmpdir(), 'tunelab-bert-embedding-'));
    dir = makeTinyBert(join(tmp, 'tiny'));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  /** A trainer over TEXTS; `trainLayers` undefined trains every weight. */
  function trainer(trainLayers?: number): { net: BertEmbedding; t: PairwiseTrainer } {
    const encoder = loadSentenceEncoder(dir);
    const net = new BertEmbedding(encoder, { trainLayers });
    const t = new PairwiseTrainer(net, { learningRate: 3e-3, randomNegatives: 2, seed: 3 });
    t.setPool(tokenRows(encoder.tokenizer, TEXTS));
    t.setLabels(LABELS);
    return { net, t };
  }

  it('embeds as the sentence encoder does (whole rows, L2-normalised)', async () => {
    const { net, t } = trainer(1);
    const ours = t.embed(tokenRows(net.encoder.tokenizer, TEXTS));
    const reference = await net.encoder.encode(TEXTS);
    for (let i = 0; i < TEXTS.length; i++) {
      const a = ours.subarray(i * 32, (i + 1) * 32);
      const b = reference.subarray(i * 32, (i + 1) * 32);
      const cos = a.reduce((s, v, j) => s + v * b[j], 0) / (Math.hypot(...a) * Math.hypot(...b));
      expect(cos).toBeGreaterThan(0.99999);
    }
    // The frozen prefix computed outside the tape gives the same embeddings as the whole forward.
    const rows = tokenRows(net.encoder.tokenizer, TEXTS.slice(0, 4));
    const prepared = net.prepare(rows, 4);
    const split = tf.tidy(() => net.apply(rows, 4, true, prepared));
    const whole = tf.tidy(() => net.apply(rows, 4, true));
    expect(tf.max(tf.abs(tf.sub(split, whole))).dataSync()[0]).toBeLessThan(1e-5);
    [...prepared, split, whole].forEach(x => x.dispose());
    t.dispose();
  });

  it('top-layers: the loss falls, only the top layer changes, no tensors leak', async () => {
    const { net, t } = trainer(1);
    const before = new Map([...net.encoder.bert.variables].map(([name, v]) => [name, values(v)]));
    const first = await t.trainRound({ epochs: 1, batchSize: 8 });
    const tensors = tf.memory().numTensors; // after Adam made its moments
    let last = first;
    for (let round = 0; round < 5; round++) {
      last = await t.trainRound({ epochs: 1, batchSize: 8 });
    }
    expect(tf.memory().numTensors).toBe(tensors);
    expect(last.loss as number).toBeLessThan(first.loss as number);
    for (const [name, v] of net.encoder.bert.variables) {
      const changed = values(v).some((x, i) => x !== before.get(name)?.[i]);
      expect([name, changed]).toEqual([name, name.startsWith('encoder.layer.1.') && changed]);
    }
    expect([...net.encoder.bert.variables.keys()].some(n => n.startsWith('encoder.layer.1.'))).toBe(true);

    // Rows appended after training come with their starting-model embeddings (here stand-ins): the index
    // gets them embedded by the tuned model.
    await t.embedPool();
    const more = tokenRows(net.encoder.tokenizer, ['refund my card', 'top up pin']);
    const start = t.appendPoolEmbedded(more.slice(), new Float32Array(2 * 32).fill(0.1));
    expect(() => t.topK([start], 1)).toThrow(/not an embedded pool row/); // the stand-ins are not the index's
    const embedded = await t.embedPool({ start });
    expect(Array.from(embedded)).toEqual(Array.from(t.embed(more)));
    t.dispose();
  });

  it('full: every layer and the embeddings train', async () => {
    const { net, t } = trainer();
    const before = new Map([...net.encoder.bert.variables].map(([name, v]) => [name, values(v)]));
    await t.trainRound({ epochs: 2, batchSize: 8 });
    const changed = [...net.encoder.bert.variables]
      .filter(([name, v]) => values(v).some((x, i) => x !== before.get(name)?.[i]))
      .map(([name]) => name);
    for (const prefix of ['embeddings.', 'encoder.layer.0.', 'encoder.layer.1.']) {
      expect(changed.some(name => name.startsWith(prefix))).toBe(true);
    }
    t.dispose();
  });

  it('refuses trainLayers beyond the model or below 1', () => {
    const encoder = loadSentenceEncoder(dir);
    expect(() => new BertEmbedding(encoder, { trainLayers: 3 })).toThrow(/trainLayers 3 exceeds the model's 2 layers/);
    expect(() => new BertEmbedding(encoder, { trainLayers: 0 })).toThrow(/trainLayers/);
    encoder.dispose();
  });
});
