export * from './core/api.ts';
export * from './core/constants.ts';
export * from './core/engine.ts';
export * from './core/events.ts';
export * from './core/types.ts';
