/**
 * Table columns of networking, RBAC, storage, scheduling, coordination,
 * discovery, certificates, admission and apiextensions kinds, as upstream's
 * printers compute them.
 */
import { humanDuration } from '../table/human-duration.js';
import type { KubeObject, TableConvertor } from '../resources/types.js';
import { ageCell, columns } from '../table/table.js';
import { column, get, list, metaName, num, selectorText, str } from './shared.js';

export const ingressTable: TableConvertor = {
  columns: [
    columns.name,
    column('Class', 'The name of the IngressClass resource that should be used for ingress'),
    column('Hosts', 'Hosts that incoming requests are matched against before the ingress rule'),
    column('Address', 'Address is a list containing ingress points for the load-balancer'),
    column('Ports', 'Ports of TLS configurations that open'),
    columns.age,
  ],
  cells(ingress, now) {
    const hosts = list<{ host?: string }>(get(ingress, 'spec', 'rules')).map((rule) => rule.host ?? '*');
    const addresses = list<{ ip?: string; hostname?: string }>(get(ingress, 'status', 'loadBalancer', 'ingress')).map((entry) => entry.ip || entry.hostname || '');
    const hostsText = hosts.length === 0 ? '*' : hosts.length > 4 ? `${hosts.slice(0, 4).join(',')} + ${hosts.length - 4} more...` : hosts.join(',');
    return [
      metaName(ingress),
      str(get(ingress, 'spec', 'ingressClassName'), '<none>'),
      hostsText,
      addresses.join(','),
      list(get(ingress, 'spec', 'tls')).length > 0 ? '80, 443' : '80',
      ageCell(ingress, now),
    ];
  },
};

export const ingressClassTable: TableConvertor = {
  columns: [columns.name, column('Controller', 'Controller that is responsible for handling this class'), column('Parameters', 'A reference to a resource with additional parameters'), columns.age],
  cells(object, now) {
    const parameters = get(object, 'spec', 'parameters');
    const parametersText = parameters === undefined ? '<none>' : `${str(get(parameters, 'kind'))}/${str(get(parameters, 'name'))}`;
    return [metaName(object), str(get(object, 'spec', 'controller')), parametersText, ageCell(object, now)];
  },
};

export const networkPolicyTable: TableConvertor = {
  columns: [columns.name, column('Pod-Selector', 'Selects the pods to which this NetworkPolicy object applies.'), columns.age],
  cells: (object, now) => [metaName(object), selectorText(get(object, 'spec', 'podSelector')).replace('<none>', '<none>'), ageCell(object, now)],
};

export const roleBindingTable: TableConvertor = {
  columns: [
    columns.name,
    column('Role', 'Role is a reference to the role being bound.'),
    columns.age,
    column('Users', 'Users in the roleBinding', 1),
    column('Groups', 'Groups in the roleBinding', 1),
    column('ServiceAccounts', 'ServiceAccounts in the roleBinding', 1),
  ],
  cells(binding, now) {
    const subjects = list<{ kind?: string; name?: string; namespace?: string }>(get(binding, 'subjects'));
    const of = (kind: string): string =>
      subjects
        .filter((subject) => subject.kind === kind)
        .map((subject) => (kind === 'ServiceAccount' ? `${subject.namespace ?? ''}/${subject.name ?? ''}` : (subject.name ?? '')))
        .join(', ');
    return [metaName(binding), `${str(get(binding, 'roleRef', 'kind'))}/${str(get(binding, 'roleRef', 'name'))}`, ageCell(binding, now), of('User'), of('Group'), of('ServiceAccount')];
  },
};

export const roleTable: TableConvertor = {
  columns: [columns.name, { name: 'Created At', type: 'string', description: 'CreationTimestamp is a timestamp representing the server time when this object was created.', priority: 0 }],
  cells: (object) => [metaName(object), object.metadata.creationTimestamp ?? ''],
};

export const storageClassTable: TableConvertor = {
  columns: [
    columns.name,
    column('Provisioner', 'Indicates the type of the provisioner.'),
    column('ReclaimPolicy', 'Indicates the type of the reclaim policy.'),
    column('VolumeBindingMode', 'Indicates when volume binding and dynamic provisioning should occur.'),
    column('AllowVolumeExpansion', 'Indicates whether the storage class allow volume expand.'),
    columns.age,
  ],
  cells(object, now) {
    const isDefault = object.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true';
    return [
      `${metaName(object)}${isDefault ? ' (default)' : ''}`,
      str(get(object, 'provisioner')),
      str(get(object, 'reclaimPolicy'), 'Delete'),
      str(get(object, 'volumeBindingMode'), 'Immediate'),
      String(get(object, 'allowVolumeExpansion') === true),
      ageCell(object, now),
    ];
  },
};

export const priorityClassTable: TableConvertor = {
  columns: [
    columns.name,
    column('Value', 'The integer value of this priority class.'),
    column('Global-Default', 'globalDefault specifies whether this PriorityClass should be considered as the default priority.'),
    columns.age,
    column('PreemptionPolicy', 'PreemptionPolicy is the Policy for preempting pods with lower priority.'),
  ],
  cells: (object, now) => [metaName(object), num(get(object, 'value')), String(get(object, 'globalDefault') === true), ageCell(object, now), str(get(object, 'preemptionPolicy'), 'PreemptLowerPriority')],
};

export const leaseTable: TableConvertor = {
  columns: [columns.name, column('Holder', 'The holder of the lease'), columns.age],
  cells: (object, now) => [metaName(object), str(get(object, 'spec', 'holderIdentity')), ageCell(object, now)],
};

export const endpointSliceTable: TableConvertor = {
  columns: [
    columns.name,
    column('AddressType', 'The type of address held in the EndpointSlice'),
    column('Ports', 'The ports that are used by this EndpointSlice'),
    column('Endpoints', 'The endpoints held in this EndpointSlice'),
    columns.age,
  ],
  cells(slice, now) {
    const ports = list<{ port?: number }>(get(slice, 'ports')).map((port) => (port.port === undefined ? '<unset>' : String(port.port)));
    const addresses = list<{ addresses?: string[] }>(get(slice, 'endpoints')).flatMap((endpoint) => endpoint.addresses ?? []);
    const shown = addresses.length > 3 ? `${addresses.slice(0, 3).join(',')} + ${addresses.length - 3} more...` : addresses.join(',');
    return [metaName(slice), str(get(slice, 'addressType')), ports.length === 0 ? '<unset>' : ports.join(','), shown === '' ? '<unset>' : shown, ageCell(slice, now)];
  },
};

export const certificateSigningRequestTable: TableConvertor = {
  columns: [
    columns.name,
    columns.age,
    column('SignerName', 'The name of the signer'),
    column('Requestor', 'Name of the user requesting the certificate'),
    column('RequestedDuration', 'The requested duration of the certificate'),
    column('Condition', 'The condition of the certificate'),
  ],
  cells(csr, now) {
    const conditions = list<{ type?: string; status?: string }>(get(csr, 'status', 'conditions')).filter((condition) => condition.status !== 'False');
    const condition = conditions.length === 0 ? 'Pending' : conditions.map((entry) => entry.type ?? '').join(',');
    const issued = get(csr, 'status', 'certificate') !== undefined && conditions.some((entry) => entry.type === 'Approved');
    const seconds = get(csr, 'spec', 'expirationSeconds');
    return [metaName(csr), ageCell(csr, now), str(get(csr, 'spec', 'signerName')), str(get(csr, 'spec', 'username')), typeof seconds === 'number' ? humanDuration(seconds * 1000) : '<none>', issued ? `${condition},Issued` : condition];
  },
};

export const webhookConfigurationTable: TableConvertor = {
  columns: [columns.name, column('Webhooks', 'Webhooks indicates the number of webhooks in the configuration'), columns.age],
  cells: (object, now) => [metaName(object), list(get(object, 'webhooks')).length, ageCell(object, now)],
};

export const customResourceDefinitionTable: TableConvertor = {
  columns: [columns.name, { name: 'Created At', type: 'date', description: 'CreationTimestamp is a timestamp representing the server time when this object was created.', priority: 0 }],
  cells: (object) => [metaName(object), object.metadata.creationTimestamp ?? null],
};

export const runtimeClassTable: TableConvertor = {
  columns: [columns.name, column('Handler', 'The handler of the runtime class'), columns.age],
  cells: (object: KubeObject, now) => [metaName(object), str(get(object, 'handler')), ageCell(object, now)],
};
