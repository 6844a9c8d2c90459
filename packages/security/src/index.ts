export * from './rate-limit.ts';
export * from './two-factor.ts';
