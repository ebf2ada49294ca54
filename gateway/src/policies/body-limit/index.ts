export { bodyLimit } from './body-limit.ts';
export { readRequestBody } from './read-body.ts';
