/**
 * InfoNCE training throughput per backend in one run: wasm with the stock and with Tunelab's patched matmul
 * kernels, and the native `tensorflow` backend when `make native` has built it (else the reason it was not
 * measured). MLP 384 → 512 → 256, batch 256, Adam.
 * Usage: node bench/run.cjs bench/engine/engine-bench.ts [--seconds 5] [--smoke] [--out file.json]
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend, patchWasmMatMul, unpatchWasmMatMul } from '../../src/sidecar/engine/backend';
import { createMlpEncoder } from '../../src/sidecar/engine/models';
import { multipleNegativesRankingLoss } from '../../src/sidecar/engine/losses';
import { SMOKE, numberOption, writeResult } from '../common/benchRun';
import { tryNativeBackend } from '../common/nativeBackend';

const SECONDS = numberOption('seconds', SMOKE ? 0.5 : 5);
const BATCH = 256;

async function stepsPerSecond(label: string): Promise<number> {
  const model = createMlpEncoder({ inputDim: 384, hiddenDims: [512], outputDim: 256, seed: 1 });
  const opt = tf.train.adam(1e-3);
  const vars = model.trainableWeights.map(w => w.read() as tf.Variable);
  const a = tf.randomNormal([BATCH, 384], 0, 1, 'float32', 1);
  const p = tf.add(a, tf.randomNormal([BATCH, 384], 0, 0.3, 'float32', 2));
  const step = () => {
    const cost = opt.minimize(
      () =>
        multipleNegativesRankingLoss(
          model.apply(a, { training: true }) as tf.Tensor2D,
          model.apply(p, { training: true }) as tf.Tensor2D
        ),
      true,
      vars
    );
    cost?.dataSync();
    cost?.dispose();
  };
  for (let i = 0; i < 3; i++) {
    step(); // warm-up
  }
  let steps = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < SECONDS * 1000) {
    step();
    steps++;
  }
  const rate = steps / ((performance.now() - t0) / 1000);
  console.log(`${label}: ${rate.toFixed(2)} InfoNCE steps/s (${steps} steps)`);
  tf.dispose([a, p]);
  opt.dispose();
  model.dispose();
  return rate;
}

(async () => {
  const info = await initBackend({ preferred: 'wasm' });
  console.log(
    `backend ${info.name}, simd ${String(info.simd)}; MLP 384→512→256, batch ${BATCH}, Adam, ${SECONDS}s each`
  );
  unpatchWasmMatMul();
  const unpatched = await stepsPerSecond('wasm unpatched');
  patchWasmMatMul();
  const patched = await stepsPerSecond('wasm patched  ');
  console.log(`ratio patched/unpatched: ${(patched / unpatched).toFixed(2)}x`);
  const native = await tryNativeBackend();
  const tensorflow = native.available ? await stepsPerSecond('tensorflow    ') : undefined;
  if (tensorflow !== undefined) {
    console.log(`ratio tensorflow/wasm patched: ${(tensorflow / patched).toFixed(2)}x`);
  } else {
    console.log(`native tensorflow not measured: ${native.reason}`);
  }
  writeResult('engine-throughput', {
    what: `InfoNCE training steps/s, MLP 384→512→256, batch ${BATCH}, Adam, ${SECONDS} s per variant`,
    backend: info.name,
    simd: info.simd,
    baseline: 'the same steps with the stock wasm BatchMatMul/_FusedMatMul kernels (unpatched), same run',
    stepsPerSecond: {
      unpatched: +unpatched.toFixed(2),
      patched: +patched.toFixed(2),
      ...(tensorflow !== undefined ? { tensorflow: +tensorflow.toFixed(2) } : {})
    },
    patchedOverUnpatched: +(patched / unpatched).toFixed(2),
    native
  });
})().catch(err => {
  console.error(err);
  process.exit(1);
});
