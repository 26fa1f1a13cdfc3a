/**
 * Table columns of core/v1 kinds, as upstream's printers compute them
 * (pkg/printers/internalversion): the server fills every column, kubectl
 * shows priority-0 columns and adds priority-1 ones with `-o wide`.
 */
import type { KubeObject, TableConvertor } from '../resources/types.js';
import { age } from '../table/human-duration.js';
import { ageCell, columns } from '../table/table.js';
import { column, get, labelsText, list, metaName, num, str } from './shared.js';

interface ContainerState {
  waiting?: { reason?: string };
  running?: object;
  terminated?: { reason?: string; exitCode?: number; signal?: number; finishedAt?: string };
}

interface ContainerStatus {
  name: string;
  ready?: boolean;
  started?: boolean;
  restartCount?: number;
  state?: ContainerState;
  lastState?: ContainerState;
}

function isRestartableInit(container: unknown): boolean {
  return get(container, 'restartPolicy') === 'Always';
}

function later(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Date.parse(b) > Date.parse(a) ? b : a;
}

/** The READY, STATUS and RESTARTS of a pod, with upstream's reasoning about init containers and container states. */
export function podSummary(pod: KubeObject, now: Date): { ready: string; status: string; restarts: string } {
  const spec = get(pod, 'spec');
  const status = get(pod, 'status');
  const initContainers = list(get(spec, 'initContainers'));
  let total = list(get(spec, 'containers')).length + initContainers.filter(isRestartableInit).length;
  let readyCount = 0;
  let restarts = 0;
  let restartableRestarts = 0;
  let lastRestart: string | undefined;
  let lastRestartableRestart: string | undefined;
  const phase = str(get(status, 'phase'));
  let reason = str(get(status, 'reason')) || phase;
  for (const condition of list(get(status, 'conditions'))) {
    if (condition['type'] === 'PodScheduled' && condition['reason'] === 'SchedulingGated') reason = 'SchedulingGated';
  }
  const initByName = new Map(initContainers.map((container) => [str(container['name']), container]));
  let initializing = false;
  const initStatuses = list<ContainerStatus>(get(status, 'initContainerStatuses'));
  for (const [index, container] of initStatuses.entries()) {
    restarts += container.restartCount ?? 0;
    lastRestart = later(lastRestart, container.lastState?.terminated?.finishedAt);
    const restartable = isRestartableInit(initByName.get(container.name));
    if (restartable) {
      restartableRestarts += container.restartCount ?? 0;
      lastRestartableRestart = later(lastRestartableRestart, container.lastState?.terminated?.finishedAt);
    }
    const terminated = container.state?.terminated;
    const waiting = container.state?.waiting;
    if (terminated !== undefined && (terminated.exitCode ?? 0) === 0) continue;
    if (restartable && container.started === true) {
      if (container.ready === true) readyCount++;
      continue;
    }
    if (terminated !== undefined) {
      reason = terminated.reason ? `Init:${terminated.reason}` : terminated.signal ? `Init:Signal:${terminated.signal}` : `Init:ExitCode:${terminated.exitCode ?? 0}`;
    } else if (waiting?.reason !== undefined && waiting.reason !== '' && waiting.reason !== 'PodInitializing') {
      reason = `Init:${waiting.reason}`;
    } else {
      reason = `Init:${index}/${initContainers.length}`;
    }
    initializing = true;
    break;
  }
  const initialized = list(get(status, 'conditions')).some((condition) => condition['type'] === 'Initialized' && condition['status'] === 'True');
  if (!initializing || initialized) {
    restarts = restartableRestarts;
    lastRestart = lastRestartableRestart;
    let hasRunning = false;
    const statuses = list<ContainerStatus>(get(status, 'containerStatuses'));
    for (let i = statuses.length - 1; i >= 0; i--) {
      const container = statuses[i]!;
      restarts += container.restartCount ?? 0;
      lastRestart = later(lastRestart, container.lastState?.terminated?.finishedAt);
      const waiting = container.state?.waiting;
      const terminated = container.state?.terminated;
      if (waiting?.reason) reason = waiting.reason;
      else if (terminated?.reason) reason = terminated.reason;
      else if (terminated !== undefined) reason = terminated.signal ? `Signal:${terminated.signal}` : `ExitCode:${terminated.exitCode ?? 0}`;
      else if (container.ready === true && container.state?.running !== undefined) {
        hasRunning = true;
        readyCount++;
      }
    }
    if (reason === 'Completed' && hasRunning) {
      const readyCondition = list(get(status, 'conditions')).some((condition) => condition['type'] === 'Ready' && condition['status'] === 'True');
      reason = readyCondition ? 'Running' : 'NotReady';
    }
  }
  if (pod.metadata.deletionTimestamp !== undefined && str(get(status, 'reason')) === 'NodeLost') reason = 'Unknown';
  else if (pod.metadata.deletionTimestamp !== undefined && phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating';
  total = Math.max(total, 0);
  const restartsText = restarts !== 0 && lastRestart !== undefined ? `${restarts} (${age(lastRestart, now)} ago)` : String(restarts);
  return { ready: `${readyCount}/${total}`, status: reason, restarts: restartsText };
}

export const podTable: TableConvertor = {
  columns: [
    columns.name,
    column('Ready', 'The aggregate readiness state of this pod for accepting traffic.'),
    column('Status', 'The aggregate status of the containers in this pod.'),
    column('Restarts', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
    columns.age,
    column('IP', 'IP address allocated to the pod.', 1),
    column('Node', 'Name of the node the pod is assigned to.', 1),
    column('Nominated Node', 'Name of the node where the pod is nominated to run.', 1),
    column('Readiness Gates', 'If specified, all readiness gates will be evaluated for pod readiness.', 1),
  ],
  cells(pod, now) {
    const summary = podSummary(pod, now);
    const status = get(pod, 'status');
    const podIps = list<{ ip?: string }>(get(status, 'podIPs'));
    const ip = podIps[0]?.ip || str(get(status, 'podIP')) || '<none>';
    const gates = list<{ conditionType?: string }>(get(pod, 'spec', 'readinessGates'));
    let gatesText = '<none>';
    if (gates.length > 0) {
      const conditions = list(get(status, 'conditions'));
      const trueCount = gates.filter((gate) => conditions.some((c) => c['type'] === gate.conditionType && c['status'] === 'True')).length;
      gatesText = `${trueCount}/${gates.length}`;
    }
    return [
      metaName(pod),
      summary.ready,
      summary.status,
      summary.restarts,
      ageCell(pod, now),
      ip,
      str(get(pod, 'spec', 'nodeName')) || '<none>',
      str(get(status, 'nominatedNodeName')) || '<none>',
      gatesText,
    ];
  },
};

export const configMapTable: TableConvertor = {
  columns: [columns.name, column('Data', 'Number of data in configmap'), columns.age],
  cells: (object, now) => [
    metaName(object),
    Object.keys((get(object, 'data') as object | undefined) ?? {}).length + Object.keys((get(object, 'binaryData') as object | undefined) ?? {}).length,
    ageCell(object, now),
  ],
};

export const secretTable: TableConvertor = {
  columns: [columns.name, column('Type', 'The type of the secret'), column('Data', 'The number of entries in the secret'), columns.age],
  cells: (object, now) => [metaName(object), str(get(object, 'type')), Object.keys((get(object, 'data') as object | undefined) ?? {}).length, ageCell(object, now)],
};

export const serviceAccountTable: TableConvertor = {
  columns: [columns.name, column('Secrets', 'Secrets is the list of secrets allowed to be used by pods running using this ServiceAccount.'), columns.age],
  cells: (object, now) => [metaName(object), list(get(object, 'secrets')).length, ageCell(object, now)],
};

export const endpointsTable: TableConvertor = {
  columns: [columns.name, column('Endpoints', 'Endpoints of the service'), columns.age],
  cells(object, now) {
    const addresses: string[] = [];
    for (const subset of list(get(object, 'subsets'))) {
      const ports = list<{ port?: number }>(subset['ports']);
      for (const address of list<{ ip?: string }>(subset['addresses'])) {
        if (ports.length === 0) addresses.push(address.ip ?? '');
        for (const port of ports) addresses.push(`${address.ip ?? ''}:${port.port ?? 0}`);
      }
    }
    const shown = addresses.length > 3 ? `${addresses.slice(0, 3).join(',')} + ${addresses.length - 3} more...` : addresses.join(',');
    return [metaName(object), shown === '' ? '<none>' : shown, ageCell(object, now)];
  },
};

export const nodeTable: TableConvertor = {
  columns: [
    columns.name,
    column('Status', 'The status of the node'),
    column('Roles', 'The roles of the node'),
    columns.age,
    column('Version', 'Kubelet Version reported by the node.'),
    column('Internal-IP', 'List of internal IPs in the node.', 1),
    column('External-IP', 'List of external IPs in this node.', 1),
    column('OS-Image', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).', 1),
    column('Kernel-Version', 'Kernel Version reported by the node from \'uname -r\' (e.g. 3.16.0-0.bpo.4-amd64).', 1),
    column('Container-Runtime', 'Container runtime version reported by the node through runtime remote API (e.g. containerd://1.4.2).', 1),
  ],
  cells(node, now) {
    const status = get(node, 'status');
    const conditions = list(get(status, 'conditions'));
    const ready = conditions.find((condition) => condition['type'] === 'Ready');
    const states = [ready === undefined ? 'Unknown' : ready['status'] === 'True' ? 'Ready' : 'NotReady'];
    if (get(node, 'spec', 'unschedulable') === true) states.push('SchedulingDisabled');
    const roles = Object.keys(node.metadata.labels ?? {})
      .map((label) => /^node-role\.kubernetes\.io\/(.+)$/.exec(label)?.[1] ?? (label === 'kubernetes.io/role' ? node.metadata.labels![label] : undefined))
      .filter((role): role is string => role !== undefined && role !== '')
      .sort();
    const addresses = list<{ type?: string; address?: string }>(get(status, 'addresses'));
    const address = (type: string): string => addresses.filter((entry) => entry.type === type).map((entry) => entry.address).join(',') || '<none>';
    const info = get(status, 'nodeInfo');
    return [
      metaName(node),
      states.join(','),
      roles.length === 0 ? '<none>' : roles.join(','),
      ageCell(node, now),
      str(get(info, 'kubeletVersion')),
      address('InternalIP'),
      address('ExternalIP'),
      str(get(info, 'osImage'), '<unknown>'),
      str(get(info, 'kernelVersion'), '<unknown>'),
      str(get(info, 'containerRuntimeVersion'), '<unknown>'),
    ];
  },
};

export const eventTable: TableConvertor = {
  columns: [
    column('Last Seen', 'Time when last event from the resource was observed.'),
    column('Type', 'Type of this event (Normal, Warning), new types could be added in the future.'),
    column('Reason', 'A short, machine understandable string that gives the reason for this event being generated.'),
    column('Object', 'The object this Event is about.'),
    column('Subobject', 'The subobject this Event is about.', 1),
    column('Source', 'The component reporting this event. Should be a short machine understandable string.', 1),
    column('Message', 'A human-readable description of the status of this operation.'),
    column('First Seen', 'The first time the reported event occurred.', 1),
    column('Count', 'The number of times this event has occurred.', 1),
    column('Name', 'Name must be unique within a namespace.', 1),
  ],
  cells(event, now) {
    const lastSeen = str(get(event, 'lastTimestamp')) || str(get(event, 'series', 'lastObservedTime')) || str(get(event, 'eventTime')) || undefined;
    const firstSeen = str(get(event, 'firstTimestamp')) || str(get(event, 'eventTime')) || undefined;
    const involved = get(event, 'involvedObject');
    const source = [str(get(event, 'source', 'component')) || str(get(event, 'reportingComponent')), str(get(event, 'source', 'host'))].filter((part) => part !== '').join(', ');
    return [
      lastSeen === undefined ? '<unknown>' : age(lastSeen, now),
      str(get(event, 'type')),
      str(get(event, 'reason')),
      `${str(get(involved, 'kind')).toLowerCase()}/${str(get(involved, 'name'))}`,
      str(get(involved, 'fieldPath')),
      source,
      str(get(event, 'message')).trim(),
      firstSeen === undefined ? '<unknown>' : age(firstSeen, now),
      num(get(event, 'count')) || num(get(event, 'series', 'count')) || 1,
      metaName(event),
    ];
  },
};

export const persistentVolumeClaimTable: TableConvertor = {
  columns: [
    columns.name,
    column('Status', 'The phase of the claim'),
    column('Volume', 'VolumeName is the binding reference to the PersistentVolume backing this claim.'),
    column('Capacity', 'The actual resources of the underlying volume.'),
    column('Access Modes', 'AccessModes contains all ways the volume backing the PVC can be mounted.'),
    column('StorageClass', 'Name of the StorageClass required by the claim.'),
    column('VolumeAttributesClass', 'The VolumeAttributesClass the claim uses.'),
    columns.age,
    column('VolumeMode', 'Whether the claim is a block device or a filesystem.', 1),
  ],
  cells(claim, now) {
    const bound = get(claim, 'status', 'phase') === 'Bound';
    return [
      metaName(claim),
      claim.metadata.deletionTimestamp !== undefined ? 'Terminating' : str(get(claim, 'status', 'phase')),
      str(get(claim, 'spec', 'volumeName')),
      bound ? str(get(claim, 'status', 'capacity', 'storage')) : '',
      bound ? accessModes(get(claim, 'status', 'accessModes')) : '',
      str(get(claim, 'spec', 'storageClassName')),
      str(get(claim, 'spec', 'volumeAttributesClassName'), '<unset>'),
      ageCell(claim, now),
      str(get(claim, 'spec', 'volumeMode'), '<unset>'),
    ];
  },
};

export const persistentVolumeTable: TableConvertor = {
  columns: [
    columns.name,
    column('Capacity', 'The capacity of the volume'),
    column('Access Modes', 'The ways the volume can be mounted'),
    column('Reclaim Policy', 'What happens to the volume when released from its claim'),
    column('Status', 'The phase of the volume'),
    column('Claim', 'The claim bound to the volume'),
    column('StorageClass', 'The storage class of the volume'),
    column('VolumeAttributesClass', 'The VolumeAttributesClass of the volume'),
    column('Reason', 'Reason of the phase'),
    columns.age,
    column('VolumeMode', 'The volume mode', 1),
  ],
  cells(volume, now) {
    const claim = get(volume, 'spec', 'claimRef');
    return [
      metaName(volume),
      str(get(volume, 'spec', 'capacity', 'storage')),
      accessModes(get(volume, 'spec', 'accessModes')),
      str(get(volume, 'spec', 'persistentVolumeReclaimPolicy')),
      volume.metadata.deletionTimestamp !== undefined ? 'Terminating' : str(get(volume, 'status', 'phase')),
      claim === undefined ? '' : `${str(get(claim, 'namespace'))}/${str(get(claim, 'name'))}`,
      str(get(volume, 'spec', 'storageClassName')),
      str(get(volume, 'spec', 'volumeAttributesClassName'), '<unset>'),
      str(get(volume, 'status', 'reason')),
      ageCell(volume, now),
      str(get(volume, 'spec', 'volumeMode'), '<unset>'),
    ];
  },
};

/** Access modes as kubectl abbreviates them: RWO, ROX, RWX, RWOP. */
function accessModes(modes: unknown): string {
  const short: Record<string, string> = { ReadWriteOnce: 'RWO', ReadOnlyMany: 'ROX', ReadWriteMany: 'RWX', ReadWriteOncePod: 'RWOP' };
  return list<string>(modes)
    .map((mode) => short[mode] ?? mode)
    .join(',');
}

export const replicationControllerTable: TableConvertor = {
  columns: [
    columns.name,
    column('Desired', 'Replicas is the number of desired replicas.'),
    column('Current', 'Replicas is the most recently observed number of replicas.'),
    column('Ready', 'The number of ready replicas for this replication controller.'),
    columns.age,
    column('Containers', 'Names of each container in the template.', 1),
    column('Images', 'Images referenced by each container in the template.', 1),
    column('Selector', 'Selector is a label query over pods that should match the Replicas count.', 1),
  ],
  cells(object, now) {
    const containers = list<{ name?: string; image?: string }>(get(object, 'spec', 'template', 'spec', 'containers'));
    return [
      metaName(object),
      num(get(object, 'spec', 'replicas')),
      num(get(object, 'status', 'replicas')),
      num(get(object, 'status', 'readyReplicas')),
      ageCell(object, now),
      containers.map((c) => c.name ?? '').join(','),
      containers.map((c) => c.image ?? '').join(','),
      labelsText(get(object, 'spec', 'selector')),
    ];
  },
};

export const resourceQuotaTable: TableConvertor = {
  columns: [columns.name, columns.age, column('Request', 'Request represents a minimum amount of cpu/memory that a container may consume.'), column('Limit', 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.')],
  cells(quota, now) {
    const hard = (get(quota, 'status', 'hard') as Record<string, string> | undefined) ?? (get(quota, 'spec', 'hard') as Record<string, string> | undefined) ?? {};
    const used = (get(quota, 'status', 'used') as Record<string, string> | undefined) ?? {};
    const requests: string[] = [];
    const limits: string[] = [];
    for (const key of Object.keys(hard).sort()) {
      const text = `${key}: ${used[key] ?? '0'}/${hard[key]}`;
      if (key.startsWith('limits.')) limits.push(text);
      else requests.push(text);
    }
    return [metaName(quota), ageCell(quota, now), requests.join(', '), limits.join(', ')];
  },
};
