export { routeMatch } from './route-match.ts';
