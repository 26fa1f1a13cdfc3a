/**
 * The ClusterRoles and ClusterRoleBindings upstream's API server creates at
 * start (plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go, as its
 * testdata records them for 1.32), for the API groups lk serves.
 */
import { eventsRule, group, READ, READ_WRITE, rule, urls, user, WRITE, type BindingSpec, type RoleSpec } from './rules.js';

const AGGREGATE_TO_ADMIN = 'rbac.authorization.k8s.io/aggregate-to-admin';
const AGGREGATE_TO_EDIT = 'rbac.authorization.k8s.io/aggregate-to-edit';
const AGGREGATE_TO_VIEW = 'rbac.authorization.k8s.io/aggregate-to-view';

/** What view grants: reads of every namespaced, non-escalating resource. */
const VIEW_RULES = [
  rule(READ, [''], ['pods', 'replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/status', 'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'configmaps']),
  rule(READ, [''], ['limitranges', 'resourcequotas', 'bindings', 'events', 'pods/status', 'resourcequotas/status', 'namespaces/status', 'replicationcontrollers/status', 'pods/log']),
  // Reading namespaces at the namespace scope reads *this* namespace: it tells which namespaces one may use.
  rule(READ, [''], ['namespaces']),
  rule(READ, ['discovery.k8s.io'], ['endpointslices']),
  rule(READ, ['apps'], ['controllerrevisions', 'statefulsets', 'statefulsets/scale', 'statefulsets/status', 'daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'replicasets', 'replicasets/scale', 'replicasets/status']),
  rule(READ, ['autoscaling'], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
  rule(READ, ['batch'], ['jobs', 'jobs/status', 'cronjobs', 'cronjobs/status']),
  rule(READ, ['extensions'], ['daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'ingresses', 'ingresses/status', 'replicasets', 'replicasets/scale', 'replicasets/status', 'replicationcontrollers/scale', 'networkpolicies']),
  rule(READ, ['policy'], ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
  rule(READ, ['networking.k8s.io'], ['networkpolicies', 'ingresses', 'ingresses/status']),
];

/** What edit adds: writes of the same, secrets, exec and friends, and impersonating service accounts. */
const EDIT_RULES = [
  rule(['impersonate'], [''], ['serviceaccounts']),
  rule(WRITE, [''], ['pods', 'pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward']),
  rule(['create'], [''], ['pods/eviction']),
  rule(WRITE, [''], ['replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/proxy', 'persistentvolumeclaims', 'configmaps', 'secrets', 'events']),
  rule(['create'], [''], ['serviceaccounts/token']),
  rule(WRITE, ['apps'], ['statefulsets', 'statefulsets/scale', 'daemonsets', 'deployments', 'deployments/scale', 'deployments/rollback', 'replicasets', 'replicasets/scale']),
  rule(WRITE, ['autoscaling'], ['horizontalpodautoscalers']),
  rule(WRITE, ['batch'], ['jobs', 'cronjobs']),
  rule(WRITE, ['extensions'], ['daemonsets', 'deployments', 'deployments/scale', 'deployments/rollback', 'ingresses', 'replicasets', 'replicasets/scale', 'replicationcontrollers/scale', 'networkpolicies']),
  rule(WRITE, ['policy'], ['poddisruptionbudgets']),
  rule(WRITE, ['networking.k8s.io'], ['networkpolicies', 'ingresses']),
  rule(READ_WRITE, ['coordination.k8s.io'], ['leases']),
  // Secrets and the subresources that reach into pods are readable to editors, not viewers.
  rule(READ, [''], ['pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy', 'secrets', 'services/proxy']),
];

/** What admin adds: the namespace's own access control. */
const ADMIN_RULES = [rule(['create'], ['authorization.k8s.io'], ['localsubjectaccessreviews']), rule(READ_WRITE, ['rbac.authorization.k8s.io'], ['roles', 'rolebindings'])];

const SIGNER_APPROVERS = ['kube-apiserver-client', 'kube-apiserver-client-kubelet', 'kubelet-serving', 'legacy-unknown'];

export function clusterRoles(): RoleSpec[] {
  return [
    { name: 'cluster-admin', rules: [rule(['*'], ['*'], ['*']), urls(['*'], ['*'])] },
    {
      name: 'system:discovery',
      rules: [urls(['get'], ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'])],
    },
    { name: 'system:public-info-viewer', rules: [urls(['get'], ['/healthz', '/livez', '/readyz', '/version', '/version/'])] },
    { name: 'system:monitoring', rules: [urls(['get'], ['/metrics', '/metrics/slis', '/livez', '/readyz', '/healthz', '/livez/*', '/readyz/*', '/healthz/*'])] },
    {
      name: 'system:basic-user',
      rules: [rule(['create'], ['authorization.k8s.io'], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']), rule(['create'], ['authentication.k8s.io'], ['selfsubjectreviews'])],
    },
    { name: 'admin', labels: {}, aggregateFrom: [{ [AGGREGATE_TO_ADMIN]: 'true' }], rules: [] },
    { name: 'edit', labels: { [AGGREGATE_TO_ADMIN]: 'true' }, aggregateFrom: [{ [AGGREGATE_TO_EDIT]: 'true' }], rules: [] },
    { name: 'view', labels: { [AGGREGATE_TO_EDIT]: 'true' }, aggregateFrom: [{ [AGGREGATE_TO_VIEW]: 'true' }], rules: [] },
    { name: 'system:aggregate-to-admin', labels: { [AGGREGATE_TO_ADMIN]: 'true' }, rules: ADMIN_RULES },
    { name: 'system:aggregate-to-edit', labels: { [AGGREGATE_TO_EDIT]: 'true' }, rules: EDIT_RULES },
    { name: 'system:aggregate-to-view', labels: { [AGGREGATE_TO_VIEW]: 'true' }, rules: VIEW_RULES },
    { name: 'system:heapster', rules: [rule(READ, [''], ['events', 'pods', 'nodes', 'namespaces']), rule(READ, ['extensions'], ['deployments'])] },
    { name: 'system:node', rules: nodeRules() },
    {
      name: 'system:node-problem-detector',
      rules: [rule(['get'], [''], ['nodes']), rule(['patch'], [''], ['nodes/status']), eventsRule()],
    },
    { name: 'system:kubelet-api-admin', rules: [rule(READ, [''], ['nodes']), rule(['proxy'], [''], ['nodes']), rule(['*'], [''], ['nodes/proxy', 'nodes/metrics', 'nodes/stats', 'nodes/log'])] },
    { name: 'system:node-bootstrapper', rules: [rule(['create', 'get', 'list', 'watch'], ['certificates.k8s.io'], ['certificatesigningrequests'])] },
    { name: 'system:auth-delegator', rules: [rule(['create'], ['authentication.k8s.io'], ['tokenreviews']), rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews'])] },
    { name: 'system:kube-aggregator', rules: [rule(READ, [''], ['services', 'endpoints'])] },
    {
      name: 'system:kube-controller-manager',
      rules: [
        eventsRule(),
        rule(['create'], ['coordination.k8s.io'], ['leases']),
        rule(['get', 'update'], ['coordination.k8s.io'], ['leases'], ['kube-controller-manager']),
        rule(['create'], [''], ['secrets', 'serviceaccounts']),
        rule(['delete'], [''], ['secrets']),
        rule(['get'], [''], ['namespaces', 'secrets', 'serviceaccounts', 'configmaps']),
        rule(['update'], [''], ['secrets', 'serviceaccounts']),
        rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
        rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
        rule(['list', 'watch'], ['*'], ['*']),
        rule(['create'], [''], ['serviceaccounts/token']),
      ],
    },
    { name: 'system:kube-dns', rules: [rule(['list', 'watch'], [''], ['endpoints', 'services'])] },
    {
      name: 'system:kube-scheduler',
      rules: [
        eventsRule(),
        rule(['create'], ['coordination.k8s.io'], ['leases']),
        rule(['get', 'update'], ['coordination.k8s.io'], ['leases'], ['kube-scheduler']),
        rule(READ, [''], ['nodes']),
        rule(['get', 'list', 'watch', 'delete'], [''], ['pods']),
        rule(['create'], [''], ['pods/binding', 'bindings']),
        rule(['patch', 'update'], [''], ['pods/status']),
        rule(READ, [''], ['replicationcontrollers', 'services']),
        rule(READ, ['apps', 'extensions'], ['replicasets']),
        rule(READ, ['apps'], ['statefulsets']),
        rule(READ, ['policy'], ['poddisruptionbudgets']),
        rule(READ, [''], ['persistentvolumeclaims', 'persistentvolumes']),
        rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
        rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
        rule(READ, ['storage.k8s.io'], ['csinodes']),
        rule(READ, [''], ['namespaces']),
        rule(READ, ['storage.k8s.io'], ['csidrivers']),
        rule(READ, ['storage.k8s.io'], ['csistoragecapacities']),
      ],
    },
    {
      name: 'system:volume-scheduler',
      rules: [rule(['get', 'list', 'watch', 'update', 'patch'], [''], ['persistentvolumes']), rule(READ, ['storage.k8s.io'], ['storageclasses']), rule(['get', 'list', 'watch', 'update', 'patch'], [''], ['persistentvolumeclaims'])],
    },
    {
      name: 'system:persistent-volume-provisioner',
      rules: [
        rule(['get', 'list', 'watch', 'create', 'delete'], [''], ['persistentvolumes']),
        rule(['get', 'list', 'watch', 'update'], [''], ['persistentvolumeclaims']),
        rule(READ, ['storage.k8s.io'], ['storageclasses']),
        rule(['watch'], [''], ['events']),
        eventsRule(),
      ],
    },
    { name: 'system:node-proxier', rules: [rule(['list', 'watch'], [''], ['services', 'endpoints']), rule(READ, [''], ['nodes']), eventsRule(), rule(['list', 'watch'], ['discovery.k8s.io'], ['endpointslices'])] },
    { name: 'system:service-account-issuer-discovery', rules: [urls(['get'], ['/.well-known/openid-configuration', '/openid/v1/jwks'])] },
    { name: 'system:certificates.k8s.io:certificatesigningrequests:nodeclient', rules: [rule(['create'], ['certificates.k8s.io'], ['certificatesigningrequests/nodeclient'])] },
    { name: 'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', rules: [rule(['create'], ['certificates.k8s.io'], ['certificatesigningrequests/selfnodeclient'])] },
    ...SIGNER_APPROVERS.map((signer) => ({ name: `system:certificates.k8s.io:${signer}-approver`, rules: [rule(['approve'], ['certificates.k8s.io'], ['signers'], [`kubernetes.io/${signer}`])] })),
  ];
}

/** The rights of a kubelet (upstream's NodeRules), which the Node authorizer also grants on its own. */
export function nodeRules() {
  return [
    rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
    rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews', 'localsubjectaccessreviews']),
    rule(READ, [''], ['services']),
    rule(['create', 'get', 'list', 'watch'], [''], ['nodes']),
    rule(['update', 'patch'], [''], ['nodes/status']),
    rule(['update', 'patch'], [''], ['nodes']),
    rule(['create', 'update', 'patch'], [''], ['events']),
    rule(READ, [''], ['pods']),
    rule(['create', 'delete'], [''], ['pods']),
    rule(['update', 'patch'], [''], ['pods/status']),
    rule(['create'], [''], ['pods/eviction']),
    rule(READ, [''], ['secrets', 'configmaps']),
    rule(['get'], [''], ['persistentvolumeclaims', 'persistentvolumes']),
    rule(['get'], [''], ['endpoints']),
    rule(['create', 'get', 'list', 'watch'], ['certificates.k8s.io'], ['certificatesigningrequests']),
    rule(['get', 'create', 'update', 'patch', 'delete'], ['coordination.k8s.io'], ['leases']),
    rule(['get'], ['storage.k8s.io'], ['volumeattachments']),
    rule(['create'], [''], ['serviceaccounts/token']),
    rule(['get', 'update', 'patch'], [''], ['persistentvolumeclaims/status']),
    rule(READ, ['storage.k8s.io'], ['csidrivers']),
    rule(['get', 'create', 'update', 'patch', 'delete'], ['storage.k8s.io'], ['csinodes']),
    rule(READ, ['node.k8s.io'], ['runtimeclasses']),
  ];
}

export function clusterRoleBindings(): BindingSpec[] {
  const to = (roleName: string, ...subjects: BindingSpec['subjects']): BindingSpec => ({ name: roleName, roleKind: 'ClusterRole', roleName, subjects });
  return [
    to('cluster-admin', group('system:masters')),
    to('system:monitoring', group('system:monitoring')),
    to('system:discovery', group('system:authenticated')),
    to('system:basic-user', group('system:authenticated')),
    to('system:public-info-viewer', group('system:authenticated'), group('system:unauthenticated')),
    to('system:node-proxier', user('system:kube-proxy')),
    to('system:kube-controller-manager', user('system:kube-controller-manager')),
    to('system:kube-dns', { kind: 'ServiceAccount', name: 'kube-dns', namespace: 'kube-system' }),
    to('system:kube-scheduler', user('system:kube-scheduler')),
    to('system:volume-scheduler', user('system:kube-scheduler')),
    // Upstream creates system:node's binding without subjects: nodes get their rights from the Node authorizer.
    to('system:node'),
    to('system:service-account-issuer-discovery', group('system:serviceaccounts')),
  ];
}
