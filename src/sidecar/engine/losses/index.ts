import * as tf from '@tensorflow/tfjs';

/**
 * Metric-learning losses on embedding tensors ([batch, dim]). Inputs need not be normalised: all
 * similarities are cosine similarities. Every function returns a scalar (mean over the batch) and is
 * safe inside `tf.tidy` / `optimizer.minimize`.
 */

const EPS = 1e-12;

function normalizeRows(x: tf.Tensor2D): tf.Tensor2D {
  return tf.mul(x, tf.rsqrt(tf.add(tf.sum(tf.square(x), -1, true), EPS))) as tf.Tensor2D;
}

/** Row-wise cosine similarity of two [batch, dim] tensors → [batch]. */
export function rowCosine(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor1D {
  return tf.sum(tf.mul(normalizeRows(a), normalizeRows(b)), -1) as tf.Tensor1D;
}

export type TripletDistance = 'cosine' | 'euclidean';

/**
 * Triplet loss: mean(max(0, d(a, p) − d(a, n) + margin)), with d the cosine distance (1 − cos, default)
 * or the Euclidean distance.
 */
export function tripletLoss(
  anchor: tf.Tensor2D,
  positive: tf.Tensor2D,
  negative: tf.Tensor2D,
  margin = 0.2,
  distance: TripletDistance = 'cosine'
): tf.Scalar {
  return tf.tidy(() => {
    const d =
      distance === 'cosine'
        ? (x: tf.Tensor2D, y: tf.Tensor2D) => tf.sub(1, rowCosine(x, y))
        : (x: tf.Tensor2D, y: tf.Tensor2D) => tf.sqrt(tf.add(tf.sum(tf.square(tf.sub(x, y)), -1), EPS));
    return tf.mean(tf.relu(tf.add(tf.sub(d(anchor, positive), d(anchor, negative)), margin))) as tf.Scalar;
  });
}

export interface MnrlOptions {
  /** Extra negatives [h, dim] shared by the whole batch (e.g. explicit hard negatives). */
  hardNegatives?: tf.Tensor2D;
  /** Multiplier of the cosine similarities (= 1 / temperature). Default 20, as in sentence-transformers. */
  scale?: number;
  /**
   * [batch, batch + h] with 1 where candidate j may serve as a negative for anchor i and 0 where it must be
   * ignored (e.g. it is another positive of the same query). The diagonal (the true positive) is always kept.
   */
  mask?: tf.Tensor2D;
  /** Also score positives → anchors (symmetric InfoNCE). Default false. */
  symmetric?: boolean;
}

/**
 * Multiple-negatives ranking loss (InfoNCE with in-batch negatives): for anchor i the positive i is the
 * right answer among all positives of the batch (and any hard negatives): mean_i CE(softmax(s·cos(a_i, C)), i).
 */
export function multipleNegativesRankingLoss(
  anchors: tf.Tensor2D,
  positives: tf.Tensor2D,
  opts: MnrlOptions = {}
): tf.Scalar {
  return tf.tidy(() => {
    const scale = opts.scale ?? 20;
    const b = anchors.shape[0];
    const a = normalizeRows(anchors);
    const p = normalizeRows(positives);
    const candidates = opts.hardNegatives ? tf.concat([p, normalizeRows(opts.hardNegatives)], 0) : p;
    let logits = tf.mul(tf.matMul(a, candidates, false, true), scale) as tf.Tensor2D;
    if (opts.mask) {
      const keep = tf.maximum(
        opts.mask,
        tf.pad(tf.eye(b), [
          [0, 0],
          [0, candidates.shape[0] - b]
        ])
      );
      logits = tf.where(tf.greater(keep, 0), logits, tf.fill(logits.shape, -1e9)) as tf.Tensor2D;
    }
    const labels = tf.oneHot(tf.range(0, b, 1, 'int32'), candidates.shape[0]);
    let loss = tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
    if (opts.symmetric) {
      let back = tf.mul(tf.matMul(p, a, false, true), scale) as tf.Tensor2D;
      if (opts.mask) {
        const sq = tf.slice(opts.mask, [0, 0], [b, b]);
        const keep = tf.maximum(tf.transpose(sq), tf.eye(b));
        back = tf.where(tf.greater(keep, 0), back, tf.fill(back.shape, -1e9)) as tf.Tensor2D;
      }
      const backLoss = tf.losses.softmaxCrossEntropy(tf.oneHot(tf.range(0, b, 1, 'int32'), b), back);
      loss = tf.div(tf.add(loss, backLoss), 2) as tf.Scalar;
    }
    return loss;
  });
}

/**
 * Cosine siamese (contrastive) loss over pairs: with d = 1 − cos(a, b), similar pairs (label 1) pay d²,
 * dissimilar pairs (label 0) pay max(0, margin − d)²; the result is half the mean.
 */
export function cosineSiameseLoss(a: tf.Tensor2D, b: tf.Tensor2D, label: tf.Tensor1D, margin = 0.5): tf.Scalar {
  return tf.tidy(() => {
    const d = tf.sub(1, rowCosine(a, b));
    const y = tf.cast(label, 'float32');
    const pos = tf.mul(y, tf.square(d));
    const neg = tf.mul(tf.sub(1, y), tf.square(tf.relu(tf.sub(margin, d))));
    return tf.mul(0.5, tf.mean(tf.add(pos, neg))) as tf.Scalar;
  });
}

/**
 * Anchor (self-distillation) loss: mean(1 − cos(current_i, target_i)), `target` being fixed reference
 * embeddings of the same rows (e.g. from the starting model; pass them as constants, not variables).
 */
export function anchorLoss(current: tf.Tensor2D, target: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.sub(1, rowCosine(current, target))) as tf.Scalar);
}
