import { featurizeTexts } from '../engine/models/textFeaturizer';
import type { PoolChunk } from '../data/poolChunk';
import type { InputTransform } from './modelPlan';

/** Model input rows (row-major float32) for a decoded chunk, as the plan's input transform says. */
export function featurize(chunk: PoolChunk, transform: InputTransform): Float32Array {
  switch (transform.type) {
    case 'hashed-text':
      return featurizeTexts(chunk.texts ?? [], transform.featurizer);
    case 'vector':
      return (chunk.vectors ?? new Float32Array(0)).slice();
    case 'image': {
      const pixels = chunk.pixels ?? new Uint8Array(0);
      const out = new Float32Array(pixels.length);
      for (let i = 0; i < pixels.length; i++) {
        out[i] = pixels[i] * transform.scale;
      }
      return out;
    }
    case 'sentence-encoder':
      throw new Error('sentence-encoder texts are embedded by PoolEncoder, not featurized');
  }
}
