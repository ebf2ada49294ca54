export { cors } from './cors.ts';
