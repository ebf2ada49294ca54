export { validateRequest, rawQuery } from './validate-request.ts';
