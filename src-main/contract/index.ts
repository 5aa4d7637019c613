export * from './types';
export * from './calls';
export * from './events';
export * from './client';
export * from './experiments';
