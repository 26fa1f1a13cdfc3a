/** The Roles and RoleBindings upstream creates in kube-system and kube-public (bootstrappolicy/namespace_policy.go). */
import { READ, rule, serviceAccount, user, type BindingSpec, type RoleSpec } from './rules.js';

export function namespaceRoles(): Record<string, RoleSpec[]> {
  return {
    'kube-system': [
      { name: 'extension-apiserver-authentication-reader', rules: [rule(READ, [''], ['configmaps'], ['extension-apiserver-authentication'])] },
      { name: 'system::leader-locking-kube-controller-manager', rules: [rule(['watch'], [''], ['configmaps']), rule(['get', 'update'], [''], ['configmaps'], ['kube-controller-manager'])] },
      { name: 'system::leader-locking-kube-scheduler', rules: [rule(['watch'], [''], ['configmaps']), rule(['get', 'update'], [''], ['configmaps'], ['kube-scheduler'])] },
      { name: 'system:controller:bootstrap-signer', rules: [rule(READ, [''], ['secrets'])] },
      { name: 'system:controller:token-cleaner', rules: [rule(['delete', 'get', 'list', 'watch'], [''], ['secrets']), rule(['create', 'update', 'patch'], ['', 'events.k8s.io'], ['events'])] },
    ],
    'kube-public': [
      {
        name: 'system:controller:bootstrap-signer',
        rules: [rule(READ, [''], ['configmaps']), rule(['update'], [''], ['configmaps'], ['cluster-info']), rule(['create', 'update', 'patch'], ['', 'events.k8s.io'], ['events'])],
      },
    ],
  };
}

export function namespaceRoleBindings(): Record<string, BindingSpec[]> {
  const to = (name: string, roleName: string, ...subjects: BindingSpec['subjects']): BindingSpec => ({ name, roleKind: 'Role', roleName, subjects });
  return {
    'kube-system': [
      to('system::extension-apiserver-authentication-reader', 'extension-apiserver-authentication-reader', user('system:kube-controller-manager'), user('system:kube-scheduler')),
      to('system::leader-locking-kube-controller-manager', 'system::leader-locking-kube-controller-manager', user('system:kube-controller-manager'), serviceAccount('kube-system', 'kube-controller-manager')),
      to('system::leader-locking-kube-scheduler', 'system::leader-locking-kube-scheduler', user('system:kube-scheduler'), serviceAccount('kube-system', 'kube-scheduler')),
      to('system:controller:bootstrap-signer', 'system:controller:bootstrap-signer', serviceAccount('kube-system', 'bootstrap-signer')),
      to('system:controller:token-cleaner', 'system:controller:token-cleaner', serviceAccount('kube-system', 'token-cleaner')),
    ],
    'kube-public': [to('system:controller:bootstrap-signer', 'system:controller:bootstrap-signer', serviceAccount('kube-system', 'bootstrap-signer'))],
  };
}
