export { requestContext, parseTraceparent, newSpanId, type RequestContextOptions } from './request-context.ts';
export { requestLogger } from './request-logger.ts';
