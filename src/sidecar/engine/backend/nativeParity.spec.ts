import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { multipleNegativesRankingLoss } from '../losses';
import { loadSentenceEncoder, SentenceEncoder } from '../models/bert';
import { initBackend, resolveNative } from './index';

/**
 * The native `tensorflow` backend (`make native`) against the reference `cpu` backend: the same losses,
 * embeddings and gradients. Skipped, with the reason in the test name, where the binding is not built.
 */

const ROOT = path.resolve(__dirname, '../../../..');
const PYTHON = path.join(ROOT, '.venv', 'bin', 'python');

function nativeEntry(): { entry?: string; reason?: string } {
  try {
    return { entry: resolveNative('@tensorflow/tfjs-node') };
  } catch (err) {
    return { reason: (err as Error).message };
  }
}
const { entry, reason } = nativeEntry();
const describeNative = entry ? describe : describe.skip;
const title = entry ? 'native tensorflow backend' : `native tensorflow backend (skipped: ${reason})`;

function seeded(shape: number[], seed: number): tf.Tensor {
  return tf.randomNormal(shape, 0, 1, 'float32', seed);
}

/** Runs `fn` on a backend and returns plain arrays. */
async function runOn(backend: string, fn: () => tf.Tensor[]): Promise<Float32Array[]> {
  expect(await tf.setBackend(backend)).toBe(true);
  const outs = tf.tidy(fn);
  const values = outs.map(t => t.dataSync() as Float32Array);
  tf.dispose(outs);
  return values;
}

/** Largest difference relative to max(1, |reference|), per output. */
function maxRelDiff(a: Float32Array[], ref: Float32Array[]): number {
  expect(a.map(x => x.length)).toEqual(ref.map(x => x.length));
  let worst = 0;
  a.forEach((x, i) =>
    x.forEach((v, j) => {
      worst = Math.max(worst, Math.abs(v - ref[i][j]) / Math.max(1, Math.abs(ref[i][j])));
    })
  );
  return worst;
}

describeNative(title, () => {
  beforeAll(async () => {
    // Jest's own require: the binding's TF.js must share the test's global (its engine lives there).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const info = await initBackend({ preferred: 'tensorflow', requireNative: () => require(entry!) });
    expect(info.name).toBe('tensorflow');
  }, 120_000);

  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('an InfoNCE training step gives the same loss, gradients and updated weights as cpu', async () => {
    const step = (): tf.Tensor[] => {
      const weights = [seeded([32, 48], 1), tf.zeros([48]), seeded([48, 24], 2), tf.zeros([24])];
      const vars = weights.map(w => tf.variable(w.mul(0.2)));
      const mlp = (x: tf.Tensor): tf.Tensor2D =>
        tf.relu(x.matMul(vars[0]).add(vars[1])).matMul(vars[2]).add(vars[3]) as tf.Tensor2D;
      const anchors = seeded([64, 32], 3);
      const positives = anchors.add(seeded([64, 32], 4).mul(0.3));
      const loss = () => multipleNegativesRankingLoss(mlp(anchors), mlp(positives));
      const { value, grads } = tf.variableGrads(loss, vars);
      tf.train.sgd(0.1).applyGradients(vars.map((v, i) => ({ name: v.name, tensor: grads[v.name] })));
      const out = [value, ...vars.map(v => grads[v.name]), ...vars.map(v => v.clone())];
      vars.forEach(v => v.dispose());
      return out;
    };
    const cpu = await runOn('cpu', step);
    const native = await runOn('tensorflow', step);
    expect(maxRelDiff(native, cpu)).toBeLessThan(1e-4);
  });

  describe('tiny random BERT', () => {
    let tmp: string;
    let encoder: SentenceEncoder;
    beforeAll(() => {
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tunelab-native-bert-'));
      const r = spawnSync(PYTHON, [path.join(ROOT, 'tests', 'fixtures', 'bert_reference.py'), 'tiny', tmp], {
        encoding: 'utf8',
        env: { ...process.env, HF_HUB_OFFLINE: '1' }
      });
      if (r.status !== 0) {
        throw new Error(`bert_reference.py tiny failed (${r.status}; \`make install\` builds .venv):\n${r.stderr}`);
      }
      encoder = loadSentenceEncoder(tmp);
    }, 240_000);
    afterAll(() => {
      encoder?.dispose();
      fs.rmSync(tmp, { recursive: true, force: true });
    });

    it('embeds and backpropagates like cpu', async () => {
      const texts = ['how do i top up my card', 'my card was declined', 'exchange rate for euros', ''];
      const batch = encoder.tokenizer.padBatch(texts.map(t => encoder.tokenizer.encode(t)));
      const forwardBackward = (): tf.Tensor[] => {
        const ids = tf.tensor2d(batch.inputIds, [batch.batch, batch.seqLength], 'int32');
        const mask = tf.tensor2d(batch.attentionMask, [batch.batch, batch.seqLength], 'int32');
        const embeddings = encoder.embedBatch(ids, mask);
        const top = encoder.bert.variablesOfTopLayers(1);
        const { grads } = tf.variableGrads(
          () =>
            encoder
              .embedBatch(ids, mask)
              .mul(seeded([4, 32], 5))
              .sum(),
          top
        );
        return [embeddings, ...top.map(v => grads[v.name])];
      };
      const cpu = await runOn('cpu', forwardBackward);
      const native = await runOn('tensorflow', forwardBackward);
      expect(cpu.length).toBe(17);
      expect(maxRelDiff(native, cpu)).toBeLessThan(1e-4);
    });
  });
});
