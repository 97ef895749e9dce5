/** Classification engine pieces (few-shot classifier, query choice, auto-accept, update schedule, label sets). */
export * from './classifierTrainer';
export * from './uncertainty';
export * from './autoAccept';
export * from './updateSchedule';
export * from './labelSet';
