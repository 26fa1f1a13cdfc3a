import type { Backend } from '@lk/datastore-kine';
import { pino, type Logger } from 'pino';
import { bootstrapCluster } from './builtin/bootstrap.js';
import { builtinServices } from './builtin/services.js';
import { strategyFor } from './builtin/strategies.js';
import { CustomResourceDefinitions } from './crd/index.js';
import { BUILTIN_RESOURCES } from './resources/catalog.js';
import { ServiceAllocator } from './resources/core/service-allocator.js';
import { builtinSchemas } from './schema/builtin.js';
import { CompositeSchemaRegistry } from './schema/composite.js';
import { ApiServer } from './server/api-server.js';
import { validateObjectMeta } from './validation/object-meta.js';
import { openApiRoute } from './openapi/route.js';
import { KUBERNETES_VERSION } from './server/version.js';
import { reconcileBootstrapPolicy } from './auth/rbac/bootstrap/reconcile.js';
import { AdmissionChain } from './admission/chain.js';
import { validatingAdmissionPolicyPlugin } from './admission/policy/validating-admission-policy.js';
import { policySources } from './admission/policy/policy-sources.js';
import { ResourceQuotas } from './resources/core/resource-quotas.js';
import { ServiceAccountTokens, type ServiceAccountKeyOptions } from './auth/serviceaccount/token-issuer.js';
import { serviceAccountObjects, serviceAccountTokenAuthenticator } from './auth/serviceaccount/token-authenticator.js';
import { openIdDiscoveryRoute } from './auth/serviceaccount/oidc-discovery.js';
import { namespaceLifecyclePlugin } from './admission/plugins/namespace-lifecycle.js';
import { limitRangerPlugin } from './admission/plugins/limit-ranger.js';
import { nodeRestrictionPlugin } from './admission/plugins/node-restriction.js';
import { serviceAccountPlugin } from './admission/plugins/service-account.js';
import { serviceAccountTokenSecretsPlugin } from './admission/plugins/service-account-token-secrets.js';
import { defaultTolerationSecondsPlugin } from './admission/plugins/default-toleration-seconds.js';
import { podSecurityPlugin } from './admission/plugins/pod-security/pod-security.js';
import { objectReader } from './auth/object-reader.js';
import { certificateSigningRequestPlugins } from './admission/plugins/certificates.js';
import { inProcessPlugins, type InProcessAdmission } from './admission/in-process.js';
import { callWebhook } from './admission/webhooks/call.js';
import { webhookPlugins, admissionSources } from './admission/webhooks/webhook-plugins.js';
import { rbacEscalationPlugin } from './auth/rbac/escalation.js';
import { createAccessControl, rbacAuthorizer, type AuthenticationOptions, type AuthorizationOptions } from './auth/access-control.js';

export interface CreateApiServerOptions {
  readonly backend: Backend;
  readonly logger?: Logger;
  /** The Service network (default 10.43.0.0/16, as k3s). */
  readonly serviceCidr?: string;
  /** Node ports, inclusive (default 30000-32767). */
  readonly nodePortRange?: readonly [number, number];
  readonly lkVersion?: string;
  /** How long Events live after their last write, in seconds (kube-apiserver's --event-ttl; default 3600). */
  readonly eventTtlSeconds?: number;
  /** Events each watch cache keeps for resuming watches (default 10,000). */
  readonly watchCacheCapacity?: number;
  /** How requests are authenticated: client certificates, tokens, anonymous (see AuthenticationOptions). */
  readonly authentication?: AuthenticationOptions;
  /** How requests are authorized: RBAC by default. */
  readonly authorization?: AuthorizationOptions;
  /**
   * The service-account token keys (lk's certs write them to
   * `<dataDir>/tls/service.key`/`.pub`), issuer and API audiences. Without
   * keys, a key pair is made up at start: tokens then end with the process.
   */
  readonly serviceAccount?: Partial<ServiceAccountKeyOptions> & {
    readonly apiAudiences?: readonly string[];
    /** The CA that signs the API's serving certificate, put into legacy token Secrets as ca.crt. */
    readonly rootCaPem?: string;
  };
  /**
   * Refuse pods whose service account does not exist, as upstream. Off by
   * default here, since a bare API server has no controller making each
   * namespace's `default` account; createServer, which runs one, turns it on.
   */
  readonly requireServiceAccounts?: boolean;
  /** The host's own admission hooks, called like webhooks without a webhook server. */
  readonly admission?: InProcessAdmission;
}

/**
 * The Kubernetes API server over a datastore: every built-in resource of the
 * GA API groups registered with its strategy, and the cluster's default
 * objects created. Serve it with `http.createServer(server.handle)`.
 */
export async function createApiServer(options: CreateApiServerOptions): Promise<ApiServer> {
  const logger = options.logger ?? pino({ level: 'silent' });
  // Built-in schemas plus those of served CRD versions, which come and go at run time.
  const schemas = new CompositeSchemaRegistry(builtinSchemas());
  const crds = new CustomResourceDefinitions({ schemas, logger });
  const admission = new AdmissionChain();
  const accountKeys = options.serviceAccount;
  const serviceAccountTokens =
    accountKeys?.privateKeyPem !== undefined ? new ServiceAccountTokens({ ...accountKeys, privateKeyPem: accountKeys.privateKeyPem }) : ServiceAccountTokens.ephemeral(accountKeys?.issuer);
  // Upstream's default API audience is the issuer.
  const apiAudiences = accountKeys?.apiAudiences ?? [serviceAccountTokens.issuer];
  const serviceAllocator = new ServiceAllocator(options.backend, {
    serviceCidr: options.serviceCidr ?? '10.43.0.0/16',
    nodePortRange: options.nodePortRange ?? [30000, 32767],
  });
  const server = new ApiServer({
    backend: options.backend,
    logger,
    lkVersion: options.lkVersion,
    watchCacheCapacity: options.watchCacheCapacity,
    validateMetadata: validateObjectMeta,
    services: (apiServer) => crds.services(apiServer, builtinServices(apiServer, { schemas, admission, serviceAccountTokens, apiAudiences })),
  });
  server.addRoute(openApiRoute(server.registry, schemas, `v${KUBERNETES_VERSION.major}.${KUBERNETES_VERSION.minor}.${KUBERNETES_VERSION.patch}`));
  for (const info of BUILTIN_RESOURCES) {
    server.register({ ...info, strategy: strategyFor(info.group, info.kind, info.subresources.status === true, { serviceAllocator, eventTtlSeconds: options.eventTtlSeconds ?? 3600 }) });
  }
  await server.startCaches();
  const rbac = await rbacAuthorizer(server);
  const access = await createAccessControl(server, options.authentication ?? {}, options.authorization ?? {}, rbac, [
    serviceAccountTokenAuthenticator(serviceAccountTokens, serviceAccountObjects(server)),
  ], apiAudiences);
  server.addRoute(openIdDiscoveryRoute(serviceAccountTokens, () => `https://${server.advertisedAddress}/openid/v1/jwks`));
  server.useAccessControl(access);
  const sources = await admissionSources(server);
  const quotas = new ResourceQuotas(server, logger.child({ component: 'resourcequota' }));
  quotas.start();
  server.onClose(() => quotas.stop());
  const admissionLogger = logger.child({ component: 'admission' });
  const [inProcessMutating, inProcessValidating] = inProcessPlugins(options.admission ?? {}, sources.namespaceLabels, admissionLogger);
  const [mutatingWebhooks, validatingWebhooks] = webhookPlugins(sources, callWebhook, admissionLogger);
  // Upstream's order for the plugins lk has (mutations all run before validations): NamespaceLifecycle,
  // LimitRanger, ServiceAccount, DefaultTolerationSeconds, PodSecurity, NodeRestriction, RBAC's escalation checks (its
  // storage's upstream), the certificate plugins, the host's hooks and webhooks, and ResourceQuota last,
  // so that only what everything else admitted is charged.
  admission.use(
    namespaceLifecyclePlugin(),
    limitRangerPlugin(sources.limitRanges),
    serviceAccountPlugin(objectReader(server, '', 'serviceaccounts'), { requireAccounts: options.requireServiceAccounts ?? false }),
    serviceAccountTokenSecretsPlugin(serviceAccountTokens, objectReader(server, '', 'serviceaccounts'), accountKeys?.rootCaPem),
    defaultTolerationSecondsPlugin(),
    podSecurityPlugin(sources.namespaceLabels, admissionLogger, {}, sources.pods),
    nodeRestrictionPlugin(),
    rbacEscalationPlugin(rbac, access.authorizer),
    ...certificateSigningRequestPlugins(access.authorizer),
    inProcessMutating!,
    mutatingWebhooks!,
    validatingAdmissionPolicyPlugin(await policySources(server), admissionLogger),
    inProcessValidating!,
    validatingWebhooks!,
    quotas.plugin(),
  );
  await bootstrapCluster(server, serviceAllocator, logger);
  await reconcileBootstrapPolicy(server, logger);
  // CRDs already in the datastore are served before the server is handed out (and reports ready).
  await crds.start();
  return server;
}
