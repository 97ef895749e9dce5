/**
 * A text embedding model. The built-in hashed n-gram model implements it now;
 * TF.js encoders will implement it later, with versions bumped by training.
 */
export interface TextEmbedder {
  /** Model name as given in `SessionConfig.model`. */
  readonly name: string;
  /** Length of every vector. */
  readonly dim: number;
  /** Version of the weights producing the vectors (0 = untrained). */
  readonly modelVersion: number;
  /** Embeds `texts` into one row-major matrix of `texts.length × dim` L2-normalised rows. */
  embed(texts: readonly string[]): Float32Array;
}
