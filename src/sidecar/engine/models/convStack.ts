import * as tf from '@tensorflow/tfjs';
import { assertPositiveInt } from '../errors';

/**
 * The convolution stack shared by the CNN encoder and the residual CNN adapter: a 3×3 same-padded
 * relu conv per entry of `filters`, each followed by 2×2 max pooling while the map is at least 4×4.
 * `initializer(i)` gives layer i's kernel initializer, so each model keeps its own seeding.
 */
export function convStack(
  input: tf.SymbolicTensor,
  height: number,
  width: number,
  filters: readonly number[],
  initializer: (layer: number) => ReturnType<typeof tf.initializers.glorotUniform>
): tf.SymbolicTensor {
  let x = input;
  let h = height;
  let w = width;
  filters.forEach((count, i) => {
    assertPositiveInt(count, `filters[${i}]`);
    x = tf.layers
      .conv2d({
        filters: count,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: initializer(i),
        name: `conv_${i + 1}`
      })
      .apply(x) as tf.SymbolicTensor;
    if (h >= 4 && w >= 4) {
      x = tf.layers.maxPooling2d({ poolSize: 2, name: `pool_${i + 1}` }).apply(x) as tf.SymbolicTensor;
      h = Math.floor(h / 2);
      w = Math.floor(w / 2);
    }
  });
  return x;
}
