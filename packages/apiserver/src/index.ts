export { createApiServer, type CreateApiServerOptions } from './create-api-server.js';
export { ApiServer, type ApiServerOptions, type NonResourceRoute } from './server/api-server.js';
export type { ResourceDefinition, ResourceStrategy, KubeObject, ObjectMeta } from './resources/types.js';
export { ApiError, type Status } from './errors/status.js';
