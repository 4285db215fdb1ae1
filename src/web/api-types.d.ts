// The admin API's and the sandbox's answers, for the browser code's JSDoc imports:
// `/** @typedef {import('./api-types').QueueItem} QueueItem */`. They are the server's own types,
// gathered and checked in src/server/web-api-types.ts and tools/sandbox/simulator-types.ts (not here:
// a declaration file is not checked, so a type it imports that no longer exists would silently become
// `any`); a field renamed on the server fails `npm run typecheck` wherever the browser still reads it.

export type * from '../server/web-api-types';
export type * from '../../tools/sandbox/simulator-types';
