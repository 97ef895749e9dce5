import { invalidParams } from '../errors';
import { HASHED_NGRAM_MODEL, HashedNgramEmbedder } from './hashedNgram';
import { TextEmbedder } from './textEmbedder';

const TEXT_EMBEDDERS: Record<string, () => TextEmbedder> = {
  [HASHED_NGRAM_MODEL]: () => new HashedNgramEmbedder()
};

export const TEXT_MODEL_NAMES = Object.keys(TEXT_EMBEDDERS);

/** The embedder for a session's `model`; an unknown name is the client's error (path /model). */
export function createTextEmbedder(model: string): TextEmbedder {
  const factory = Object.prototype.hasOwnProperty.call(TEXT_EMBEDDERS, model) ? TEXT_EMBEDDERS[model] : undefined;
  if (factory === undefined) {
    throw invalidParams('/model', `unknown text model '${model}' (available: ${TEXT_MODEL_NAMES.join(', ')})`);
  }
  return factory();
}
