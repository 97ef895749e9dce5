export { L2Normalize, l2Normalize, registerCustomLayers } from './l2normalize';
export type { L2NormalizeArgs } from './l2normalize';
export {
  createMlpEncoder,
  createCnnEncoder,
  createHashedTextEncoder,
  modelMetadata,
  inputSize,
  outputSize,
  assertOutputDim,
  METADATA_KEY
} from './encoders';
export type {
  MlpEncoderOptions,
  CnnEncoderOptions,
  HashedTextEncoderOptions,
  HashedTextEncoder,
  TunelabModelMetadata
} from './encoders';
export { featurizeText, featurizeTexts, featurizeTextInto, resolveTextFeaturizerConfig } from './textFeaturizer';
export type { TextFeaturizerConfig } from './textFeaturizer';
export { fileSystemIO, loadLayersModel, saveLayersModel, modelArtifacts } from './io';
export { tailor } from './tailor';
export type { TailorOptions } from './tailor';
export {
  createResidualMlpEncoder,
  createResidualCnnEncoder,
  createLinearAdapter,
  basePoolFactor,
  LINEAR_ADAPTER_LAYER
} from './adapters';
export type { ResidualMlpOptions, ResidualCnnOptions, LinearAdapterOptions } from './adapters';
