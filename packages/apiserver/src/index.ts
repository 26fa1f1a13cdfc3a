export { createApiServer, type CreateApiServerOptions } from './create-api-server.js';
export { ApiServer, type ApiServerOptions, type NonResourceRoute } from './server/api-server.js';
export type { ResourceDefinition, ResourceStrategy, KubeObject, ObjectMeta } from './resources/types.js';
export { ApiError, type Status } from './errors/status.js';
export type { AuthenticationOptions, AuthorizationOptions } from './auth/access-control.js';
export type { StaticToken } from './auth/authentication/static-tokens.js';
export {
  AuthenticationError,
  type AuthenticatedUser,
  type AuthenticationRequest,
  type Authenticator,
  type AuthorizationAttributes,
  type AuthorizationResult,
  type Authorizer,
  type TokenAuthenticator,
  type UserInfo,
} from './auth/types.js';
export type { InProcessAdmission, InProcessHook, InProcessHookRule } from './admission/in-process.js';
export type { AdmissionReviewRequest, AdmissionResponse } from './admission/review.js';
