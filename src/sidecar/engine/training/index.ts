export { PairwiseTrainer } from './pairwiseTrainer';
export type {
  LossKind,
  PairLabel,
  TrainerOptions,
  TrainRoundOptions,
  TrainProgress,
  TrainRoundResult
} from './pairwiseTrainer';
export { TrainerClient } from './trainerClient';
export type { TrainerClientEvents } from './trainerClient';
export type {
  InitParams,
  InitResult,
  ModelSpec,
  WeightsResult,
  EncoderTensorsResult,
  WorkerRequest,
  WorkerResponse,
  WorkerErrorPayload
} from './protocol';
export { makeClusteredData, knnAccuracy } from './synthetic';
export type { ClusteredData } from './synthetic';
export { Rng } from './random';
export { BertEmbedding, tokenRows } from './bertEmbedding';
export type { BertEmbeddingOptions } from './bertEmbedding';
export { LayersEmbedding } from './trainableEmbedding';
export type { TrainableEmbedding } from './trainableEmbedding';
