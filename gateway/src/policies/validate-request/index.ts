export { validateRequest } from './validate-request.ts';
