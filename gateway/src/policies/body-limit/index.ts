export { readRequestBody } from './read-body.ts';
