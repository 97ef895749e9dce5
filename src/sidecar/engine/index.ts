/**
 * Tunelab training engine: TF.js backend setup, embedding models, metric-learning losses and the
 * pairwise trainer (in-process or in a worker thread), and the classification pieces (few-shot classifier,
 * query choice, auto-accept, update schedule, label sets). Pure library code; sessions wire it up.
 */
export * from './errors';
export * from './backend';
export * from './models';
export * from './losses';
export * from './training';
export * from './classification';
