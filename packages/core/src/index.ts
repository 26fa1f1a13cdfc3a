export { createServer, createTestServer, type CreateServerOptions, type LkServer } from './server.js';
export { renderKubeconfig, type KubeconfigInput } from './kubeconfig.js';
export { ConfigurationError } from './errors.js';
