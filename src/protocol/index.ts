export * from './version';
export * from './limits';
export * from './errors';
export * from './frames';
export * from './messages';
export * from './validate';
