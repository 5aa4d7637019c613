export * from './types';
export * from './calls';
export * from './events';
export * from './client';
export * from './experiments';
export * from './job-results';
export * from './headless';
