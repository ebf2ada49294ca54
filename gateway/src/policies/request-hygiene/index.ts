export { requestHygiene } from './request-hygiene.ts';
