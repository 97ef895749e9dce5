import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../engine/backend';
import { createLinearAdapter, modelArtifacts } from '../engine/models';
import type { WeightsResult } from '../engine/training';
import { linearAdapterDense } from './linearAdapterExport';

describe('the linear adapter as a sentence-transformers Dense layer', () => {
  beforeAll(() => initBackend({ preferred: 'cpu' }));

  it('starts as the identity and exports weight [out, in] that reproduces the model', async () => {
    const model = createLinearAdapter({ dim: 3 });
    const x = tf.tensor2d([[0.2, -1, 0.5]]);
    expect(Array.from(await (model.predict(x) as tf.Tensor).data())).toEqual(
      Array.from(await tf.div(x, tf.norm(x)).data())
    );
    // A non-symmetric kernel ([in, out] in TF.js) tells the two layouts apart.
    const kernel = [
      [1, 2, 3],
      [4, 5, 6],
      [7, 8, 9.5]
    ];
    model.getLayer('adapter_dense').setWeights([tf.tensor2d(kernel), tf.tensor1d([0.1, -0.2, 0.3])]);
    const art = await modelArtifacts(model);
    const dense = linearAdapterDense({
      modelTopology: art.modelTopology as object,
      weightSpecs: art.weightSpecs as unknown[],
      weightData: art.weightData as ArrayBuffer
    } satisfies WeightsResult);
    expect(dense).toMatchObject({ inFeatures: 3, outFeatures: 3, activation: 'identity' });
    expect(Array.from(dense.bias)).toEqual([0.1, -0.2, 0.3].map(Math.fround));
    // torch Linear: y[o] = sum_i weight[o, i] x[i] + bias[o]; then Normalize.
    const input = [0.2, -1, 0.5];
    const y = [0, 1, 2].map(o => input.reduce((sum, xi, i) => sum + dense.weight[o * 3 + i] * xi, dense.bias[o]));
    const norm = Math.hypot(...y);
    const ours = Array.from(await (model.predict(x) as tf.Tensor).data());
    y.forEach((value, o) => expect(ours[o]).toBeCloseTo(value / norm, 5));
    model.dispose();
  });
});
