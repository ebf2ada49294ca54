export { authorizePolicy, type AuthorizePolicyOptions } from './authorize.ts';
export { ForbiddenError, InsufficientScopeError } from './authorize-errors.ts';
export {
  assertRoutesSecured,
  hasSecurityRequirement,
  requiredScopes,
  UnsecuredOperationError,
  UnverifiableSecurityError,
  type AssertRoutesSecuredOptions,
} from './assert-routes-secured.ts';
export { compileSecurity, describeAlternatives, type CompiledSecurity, type SecuritySchemes } from './security-requirements.ts';
