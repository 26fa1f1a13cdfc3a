/**
 * The roles of the controllers (system:controller:NAME) and their bindings
 * to the kube-system service accounts they run as, from upstream's
 * bootstrappolicy/controller_policy.go — for the controllers lk runs or
 * will run, so that each acts with no more than upstream's rights.
 */
import { eventsRule, READ, rule, serviceAccount, type BindingSpec, type RoleSpec } from './rules.js';

const CONTROLLERS: readonly RoleSpec[] = [
  { name: 'clusterrole-aggregation-controller', rules: [rule(['escalate', 'get', 'list', 'watch', 'update', 'patch'], ['rbac.authorization.k8s.io'], ['clusterroles'])] },
  {
    name: 'namespace-controller',
    rules: [
      rule(['get', 'list', 'watch', 'delete'], [''], ['namespaces']),
      rule(['update'], [''], ['namespaces/finalize', 'namespaces/status']),
      rule(['get', 'list', 'delete', 'deletecollection'], ['*'], ['*']),
    ],
  },
  { name: 'generic-garbage-collector', rules: [rule(['get', 'list', 'watch', 'patch', 'update', 'delete'], ['*'], ['*']), eventsRule()] },
  { name: 'service-account-controller', rules: [rule(['create'], [''], ['serviceaccounts']), eventsRule()] },
  { name: 'root-ca-cert-publisher', rules: [rule(['create', 'update'], [''], ['configmaps']), eventsRule()] },
  {
    name: 'certificate-controller',
    rules: [
      rule(['get', 'list', 'watch', 'delete'], ['certificates.k8s.io'], ['certificatesigningrequests']),
      rule(['update'], ['certificates.k8s.io'], ['certificatesigningrequests/status', 'certificatesigningrequests/approval']),
      rule(['approve'], ['certificates.k8s.io'], ['signers'], ['kubernetes.io/kube-apiserver-client-kubelet']),
      rule(['sign'], ['certificates.k8s.io'], ['signers'], ['kubernetes.io/legacy-unknown', 'kubernetes.io/kube-apiserver-client', 'kubernetes.io/kube-apiserver-client-kubelet', 'kubernetes.io/kubelet-serving']),
      rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
      eventsRule(),
    ],
  },
  {
    name: 'resourcequota-controller',
    rules: [rule(['list', 'watch'], ['*'], ['*']), rule(['update'], [''], ['resourcequotas/status']), eventsRule()],
  },
  {
    name: 'node-controller',
    rules: [
      rule(['get', 'list', 'update', 'delete', 'patch'], [''], ['nodes']),
      rule(['patch', 'update'], [''], ['nodes/status']),
      rule(['patch', 'update'], [''], ['pods/status']),
      rule(['list', 'delete'], [''], ['pods']),
      eventsRule(),
    ],
  },
  {
    name: 'deployment-controller',
    rules: [
      rule(['get', 'list', 'watch', 'update'], ['apps', 'extensions'], ['deployments']),
      rule(['update'], ['apps', 'extensions'], ['deployments/finalizers', 'deployments/status']),
      rule(['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'], ['apps', 'extensions'], ['replicasets']),
      rule(['get', 'list', 'watch', 'update'], [''], ['pods']),
      eventsRule(),
    ],
  },
  {
    name: 'replicaset-controller',
    rules: [
      rule(['get', 'list', 'watch', 'update'], ['apps', 'extensions'], ['replicasets']),
      rule(['update'], ['apps', 'extensions'], ['replicasets/status']),
      rule(['update'], ['apps', 'extensions'], ['replicasets/finalizers']),
      rule(['list', 'watch', 'patch', 'create', 'delete'], [''], ['pods']),
      eventsRule(),
    ],
  },
  {
    name: 'endpointslice-controller',
    rules: [
      rule(['get', 'list', 'watch'], [''], ['services', 'pods', 'nodes']),
      rule(['update'], [''], ['services/finalizers']),
      rule(['get', 'list', 'create', 'update', 'delete'], ['discovery.k8s.io'], ['endpointslices']),
      eventsRule(),
    ],
  },
  { name: 'ttl-controller', rules: [rule(['update', 'patch', 'list', 'watch'], [''], ['nodes']), eventsRule()] },
  { name: 'pod-garbage-collector', rules: [rule(['list', 'watch', 'delete'], [''], ['pods']), rule(['get', 'list'], [''], ['nodes']), rule(['patch'], [''], ['pods/status'])] },
  { name: 'disruption-controller', rules: [rule(READ, ['apps', 'extensions'], ['deployments', 'replicasets', 'statefulsets']), rule(READ, [''], ['replicationcontrollers']), rule(READ, ['policy'], ['poddisruptionbudgets']), rule(['update'], ['policy'], ['poddisruptionbudgets/status']), rule(['get'], ['*'], ['*/scale']), eventsRule()] },
];

export function controllerClusterRoles(): RoleSpec[] {
  return CONTROLLERS.map((controller) => ({ ...controller, name: `system:controller:${controller.name}` }));
}

export function controllerClusterRoleBindings(): BindingSpec[] {
  return CONTROLLERS.map((controller) => ({
    name: `system:controller:${controller.name}`,
    roleKind: 'ClusterRole',
    roleName: `system:controller:${controller.name}`,
    subjects: [serviceAccount('kube-system', controller.name)],
  }));
}
