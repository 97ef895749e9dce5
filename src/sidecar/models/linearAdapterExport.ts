import type { WeightsResult } from '../engine/training';
import { LINEAR_ADAPTER_LAYER } from '../engine/models/adapters';

/** A sentence-transformers Dense layer: `weight` row-major [outFeatures, inFeatures] (PyTorch's layout). */
export interface DenseLayerExport {
  inFeatures: number;
  outFeatures: number;
  weight: Float32Array;
  bias: Float32Array;
  activation: 'identity';
}

interface WeightSpec {
  name: string;
  shape: number[];
  dtype?: string;
}

/**
 * The linear adapter's weights (from the trainer worker's `weights()`) as a sentence-transformers Dense
 * layer: TF.js keeps the kernel as [in, out], sentence-transformers' Dense (torch Linear) as [out, in].
 * The adapter's L2 normalisation becomes the exported pipeline's Normalize module.
 */
export function linearAdapterDense(weights: WeightsResult): DenseLayerExport {
  const specs = weights.weightSpecs as WeightSpec[];
  let offset = 0;
  const tensors = new Map<string, { shape: number[]; values: Float32Array }>();
  for (const spec of specs) {
    if (spec.dtype !== undefined && spec.dtype !== 'float32') {
      throw new Error(`weight ${spec.name} is ${spec.dtype}, not float32`);
    }
    const size = spec.shape.reduce((p, d) => p * d, 1);
    tensors.set(spec.name, {
      shape: spec.shape,
      values: new Float32Array(weights.weightData.slice(offset, offset + size * 4))
    });
    offset += size * 4;
  }
  const find = (suffix: string) => {
    const found = [...tensors.entries()].find(([name]) => name.endsWith(`${LINEAR_ADAPTER_LAYER}/${suffix}`));
    if (found === undefined) {
      throw new Error(`the model has no ${LINEAR_ADAPTER_LAYER}/${suffix}: not a linear adapter`);
    }
    return found[1];
  };
  const kernel = find('kernel');
  const bias = find('bias');
  const [inFeatures, outFeatures] = kernel.shape;
  const weight = new Float32Array(inFeatures * outFeatures);
  for (let i = 0; i < inFeatures; i++) {
    for (let o = 0; o < outFeatures; o++) {
      weight[o * inFeatures + i] = kernel.values[i * outFeatures + o];
    }
  }
  return { inFeatures, outFeatures, weight, bias: bias.values, activation: 'identity' };
}
