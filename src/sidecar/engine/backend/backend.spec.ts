import * as tf from '@tensorflow/tfjs';
import { initBackend } from './index';

type Fn = () => tf.Tensor[];

function seeded(shape: number[], seed: number): tf.Tensor {
  return tf.randomNormal(shape, 0, 1, 'float32', seed);
}

/** Runs `fn` on a backend and returns plain arrays. */
async function runOn(backend: string, fn: Fn): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const outs = tf.tidy(fn);
  const values = outs.map(t => t.dataSync() as Float32Array);
  tf.dispose(outs);
  return values;
}

function expectClose(a: Float32Array[], b: Float32Array[], tol = 1e-4): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) {
    expect(a[i].length).toBe(b[i].length);
    let maxDiff = 0;
    for (let j = 0; j < a[i].length; j++) {
      maxDiff = Math.max(maxDiff, Math.abs(a[i][j] - b[i][j]) / Math.max(1, Math.abs(b[i][j])));
    }
    expect(maxDiff).toBeLessThan(tol);
  }
}

async function compare(fn: Fn, tol?: number): Promise<void> {
  const cpu = await runOn('cpu', fn);
  const wasm = await runOn('wasm', fn);
  expectClose(wasm, cpu, tol);
}

describe('backend', () => {
  beforeAll(async () => {
    const info = await initBackend({ preferred: 'wasm' });
    expect(info.name).toBe('wasm');
    expect(info.matMulPatched).toBe(true);
  });

  afterAll(async () => {
    await tf.setBackend('wasm');
  });

  for (const transposeA of [false, true]) {
    for (const transposeB of [false, true]) {
      it(`matMul and its gradients match cpu (transposeA=${transposeA}, transposeB=${transposeB})`, async () => {
        await compare(() => {
          const a = seeded(transposeA ? [7, 5] : [5, 7], 1);
          const b = seeded(transposeB ? [3, 7] : [7, 3], 2);
          const w = seeded([5, 3], 3);
          const f = (x: tf.Tensor, y: tf.Tensor) => tf.matMul(x, y, transposeA, transposeB).mul(w).sum();
          const [ga, gb] = tf.grads(f)([a, b]);
          return [tf.matMul(a, b, transposeA, transposeB), ga, gb];
        });
      });
    }
  }

  it('batched matMul with transposes matches cpu', async () => {
    await compare(() => {
      const a = seeded([2, 6, 4], 4);
      const b = seeded([2, 5, 6], 5);
      const [ga, gb] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.matMul(x, y, true, true).square().sum())([a, b]);
      return [tf.matMul(a, b, true, true), ga, gb];
    });
  });

  it('fusedMatMul with bias and relu matches cpu, forward and backward', async () => {
    await compare(() => {
      const out: tf.Tensor[] = [];
      for (const [tA, tB] of [
        [false, false],
        [true, false],
        [false, true],
        [true, true]
      ]) {
        const a = seeded(tA ? [6, 4] : [4, 6], 6);
        const b = seeded(tB ? [5, 6] : [6, 5], 7);
        const bias = seeded([5], 8);
        const f = (x: tf.Tensor, y: tf.Tensor, z: tf.Tensor) =>
          tf.fused
            .matMul({
              a: x as tf.Tensor2D,
              b: y as tf.Tensor2D,
              transposeA: tA,
              transposeB: tB,
              bias: z,
              activation: 'relu'
            })
            .sum();
        out.push(
          tf.fused.matMul({
            a: a as tf.Tensor2D,
            b: b as tf.Tensor2D,
            transposeA: tA,
            transposeB: tB,
            bias,
            activation: 'relu'
          }),
          ...tf.grads(f)([a, b, bias])
        );
      }
      return out;
    });
  });

  it('gather gradient (UnsortedSegmentSum) works on wasm and matches cpu', async () => {
    await compare(() => {
      const x = seeded([6, 4], 9);
      const idx = tf.tensor1d([0, 2, 2, 5, 0], 'int32');
      const w = seeded([5, 4], 10);
      const g = tf.grad((v: tf.Tensor) => tf.gather(v, idx).mul(w).sum())(x);
      const seg = tf.unsortedSegmentSum(seeded([5, 3], 11), tf.tensor1d([1, 0, 1, 3, 3], 'int32'), 4);
      return [g, seg];
    });
  });

  it('conv2d and depthwise conv gradients (cpu-bridged kernels) work on wasm and match cpu', async () => {
    await compare(() => {
      const x = seeded([2, 6, 6, 3], 12);
      const w = seeded([3, 3, 3, 4], 13);
      const dw = seeded([3, 3, 3, 2], 14);
      const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf
          .conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same')
          .square()
          .sum()
      )([x, w]);
      const [gx2, gw2] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'valid').sum()
      )([x, dw]);
      return [gx, gw, gx2, gw2];
    });
  });

  it('does not leak tensors in patched kernels', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const beforeBytes = tf.memory().numBytes;
    tf.tidy(() => {
      const a = seeded([8, 4], 1);
      const b = seeded([3, 8], 2);
      tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.matMul(x, y, true, true).sum())([a, b]);
      tf.grad((x: tf.Tensor) => tf.conv2d(x as tf.Tensor4D, tf.ones([3, 3, 1, 2]) as tf.Tensor4D, 1, 'same').sum())(
        seeded([1, 4, 4, 1], 3)
      );
      tf.grad((x: tf.Tensor) => tf.gather(x, [0, 0]).sum())(a);
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(tf.memory().numBytes).toBe(beforeBytes);
  });
});
