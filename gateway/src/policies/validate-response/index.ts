export { validateResponse } from './validate-response.ts';
