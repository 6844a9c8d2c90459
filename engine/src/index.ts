export * from './core/api.ts';
export * from './core/constants.ts';
export * from './core/engine.ts';
export * from './core/events.ts';
export * from './core/types.ts';
export * from './intake/index.ts';
export { type RunningEngine, type StartEngineOptions, startEngine } from './main.ts';
