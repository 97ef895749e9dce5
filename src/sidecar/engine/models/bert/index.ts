export { loadWordPieceTokenizer, resolveMaxLength, tokenizerJsonFromVocab, WordPieceTokenizer } from './tokenizer';
export type { TokenBatch, WordPieceTokenizerOptions } from './tokenizer';
export { readSafetensors } from './safetensors';
export type { NamedTensor } from './safetensors';
export { readBertConfig, readSentencePipeline } from './config';
export type { BertConfig, PoolingMode, SentencePipeline } from './config';
export { BertModel } from './bertModel';
export { loadSentenceEncoder, normalizeRows, poolTokens, SentenceEncoder } from './sentenceEncoder';
export type { EncodeOptions } from './sentenceEncoder';
export { serializeSafetensors, writeSafetensors } from './safetensorsWriter';
export {
  TUNELAB_EXPORT_FORMAT,
  TUNELAB_EXPORT_FORMAT_VERSION,
  writeSentenceTransformerDir
} from './sentenceTransformerExport';
export type { DenseActivation, DenseLayerWeights, SentenceTransformerExport } from './sentenceTransformerExport';
