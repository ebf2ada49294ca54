export { authorizePolicy, type AuthorizePolicyOptions } from './authorize.ts';
export { ForbiddenError, InsufficientScopeError } from './authorize-errors.ts';
export { assertRoutesSecured, hasSecurityRequirement, requiredScopes, UnsecuredOperationError } from './assert-routes-secured.ts';
