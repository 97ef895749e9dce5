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
  WorkerRequest,
  WorkerResponse,
  WorkerErrorPayload
} from './protocol';
export { makeClusteredData, knnAccuracy } from './synthetic';
export type { ClusteredData } from './synthetic';
export { Rng } from './random';
