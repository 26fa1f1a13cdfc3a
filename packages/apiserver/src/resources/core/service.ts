import { invalid, type FieldError } from '../../errors/status.js';
import { ageCell, columns } from '../../table/table.js';
import { dns1035LabelErrors } from '../../validation/name-rules.js';
import type { KubeObject, ResourceStrategy } from '../types.js';
import { AllocationError, type ServiceAllocator } from './service-allocator.js';

interface ServicePort {
  name?: string;
  protocol?: string;
  port?: number;
  targetPort?: number | string;
  nodePort?: number;
  appProtocol?: string;
}

interface ServiceSpec {
  type?: string;
  clusterIP?: string;
  clusterIPs?: string[];
  ipFamilies?: string[];
  ipFamilyPolicy?: string;
  ports?: ServicePort[];
  selector?: Record<string, string>;
  sessionAffinity?: string;
  sessionAffinityConfig?: { clientIP?: { timeoutSeconds?: number } };
  externalName?: string;
  externalIPs?: string[];
  externalTrafficPolicy?: string;
  internalTrafficPolicy?: string;
  allocateLoadBalancerNodePorts?: boolean;
  healthCheckNodePort?: number;
  loadBalancerIP?: string;
}

interface Service extends KubeObject {
  spec?: ServiceSpec;
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
}

const TYPES = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'];
const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];

function spec(object: KubeObject): ServiceSpec {
  const service = object as Service;
  service.spec ??= {};
  return service.spec;
}

/** Upstream's SetDefaults_Service and the registry's IP-family defaults for a single-stack IPv4 cluster. */
function applyDefaults(object: KubeObject): void {
  const s = spec(object);
  s.type ??= 'ClusterIP';
  s.sessionAffinity ??= 'None';
  if (s.sessionAffinity === 'ClientIP') s.sessionAffinityConfig ??= { clientIP: { timeoutSeconds: 10800 } };
  for (const port of s.ports ?? []) {
    port.protocol ??= 'TCP';
    if (port.targetPort === undefined || port.targetPort === 0 || port.targetPort === '') port.targetPort = port.port;
  }
  if (s.type === 'NodePort' || s.type === 'LoadBalancer') s.externalTrafficPolicy ??= 'Cluster';
  if (s.type !== 'ExternalName') s.internalTrafficPolicy ??= 'Cluster';
  if (s.type === 'LoadBalancer') s.allocateLoadBalancerNodePorts ??= true;
  if (s.clusterIP === undefined && s.clusterIPs !== undefined && s.clusterIPs.length > 0) s.clusterIP = s.clusterIPs[0];
  if (s.type !== 'ExternalName') {
    s.ipFamilies ??= ['IPv4'];
    s.ipFamilyPolicy ??= 'SingleStack';
  }
}

function validateService(object: KubeObject): FieldError[] {
  const errors: FieldError[] = [];
  const name = object.metadata.name ?? '';
  if (name !== '') for (const message of dns1035LabelErrors(name)) errors.push({ type: 'FieldValueInvalid', field: 'metadata.name', value: name, detail: message });
  const s = spec(object);
  if (s.type !== undefined && !TYPES.includes(s.type)) {
    errors.push({ type: 'FieldValueNotSupported', field: 'spec.type', value: s.type, detail: `supported values: ${TYPES.map((t) => `"${t}"`).join(', ')}` });
  }
  if (s.type === 'ExternalName') {
    if (s.externalName === undefined || s.externalName === '') errors.push({ type: 'FieldValueRequired', field: 'spec.externalName' });
    if (s.clusterIP !== undefined && s.clusterIP !== '') {
      errors.push({ type: 'FieldValueForbidden', field: 'spec.clusterIPs', detail: 'may not be set for ExternalName services' });
    }
  }
  const ports = s.ports ?? [];
  const headless = s.clusterIP === 'None';
  if (ports.length === 0 && s.type !== 'ExternalName' && !headless) errors.push({ type: 'FieldValueRequired', field: 'spec.ports' });
  const names = new Set<string>();
  const keys = new Set<string>();
  ports.forEach((port, index) => {
    const path = `spec.ports[${index}]`;
    if (ports.length > 1 && (port.name === undefined || port.name === '')) errors.push({ type: 'FieldValueRequired', field: `${path}.name` });
    if (port.name !== undefined && port.name !== '') {
      if (names.has(port.name)) errors.push({ type: 'FieldValueDuplicate', field: `${path}.name`, value: port.name });
      names.add(port.name);
    }
    if (typeof port.port !== 'number' || !Number.isInteger(port.port) || port.port < 1 || port.port > 65535) {
      errors.push({ type: 'FieldValueInvalid', field: `${path}.port`, value: port.port ?? 0, detail: 'must be between 1 and 65535, inclusive' });
    }
    if (port.protocol !== undefined && !PROTOCOLS.includes(port.protocol)) {
      errors.push({ type: 'FieldValueNotSupported', field: `${path}.protocol`, value: port.protocol, detail: `supported values: ${PROTOCOLS.map((p) => `"${p}"`).join(', ')}` });
    }
    const key = `${port.port}/${port.protocol ?? 'TCP'}`;
    if (keys.has(key)) errors.push({ type: 'FieldValueDuplicate', field: path, value: { port: port.port, protocol: port.protocol } });
    keys.add(key);
    if (typeof port.targetPort === 'number' && (port.targetPort < 1 || port.targetPort > 65535)) {
      errors.push({ type: 'FieldValueInvalid', field: `${path}.targetPort`, value: port.targetPort, detail: 'must be between 1 and 65535, inclusive' });
    }
    if (port.nodePort !== undefined && port.nodePort !== 0 && s.type !== 'NodePort' && s.type !== 'LoadBalancer') {
      errors.push({ type: 'FieldValueForbidden', field: `${path}.nodePort`, detail: 'may not be used when `type` is \'ClusterIP\'' });
    }
  });
  if (s.sessionAffinity !== undefined && s.sessionAffinity !== 'None' && s.sessionAffinity !== 'ClientIP') {
    errors.push({ type: 'FieldValueNotSupported', field: 'spec.sessionAffinity', value: s.sessionAffinity, detail: 'supported values: "ClientIP", "None"' });
  }
  return errors;
}

function wantsClusterIp(s: ServiceSpec): boolean {
  return s.type !== 'ExternalName' && s.clusterIP !== 'None';
}

function wantsNodePorts(s: ServiceSpec): boolean {
  return s.type === 'NodePort' || (s.type === 'LoadBalancer' && s.allocateLoadBalancerNodePorts !== false);
}

function allocationInvalid(object: KubeObject, field: string, value: unknown, error: unknown): Error {
  if (!(error instanceof AllocationError)) return error as Error;
  return invalid('Service', '', object.metadata.name ?? '', [{ type: 'FieldValueInvalid', field, value, detail: error.message }]);
}

/**
 * Services: defaults, validation, and cluster IP and node port allocation
 * (upstream's service registry), with the IPs and ports kept as keys in the
 * datastore so several API servers never hand out the same one.
 */
export function serviceStrategy(allocator: ServiceAllocator): ResourceStrategy {
  return {
    tracksGeneration: false,
    statusFields: ['status'],
    prepareForCreate(object) {
      (object as Service).status = { loadBalancer: {} };
      applyDefaults(object);
    },
    prepareForUpdate(object, old) {
      applyDefaults(object);
      const next = spec(object);
      const before = spec(old);
      // The cluster IP is kept unless the client names it; changing it is refused by validation.
      if ((next.clusterIP === undefined || next.clusterIP === '') && wantsClusterIp(next) && before.clusterIP !== undefined) {
        next.clusterIP = before.clusterIP;
        next.clusterIPs = before.clusterIPs;
      }
      // Node ports of ports that stay keep their numbers unless the client names new ones.
      if (wantsNodePorts(next)) {
        for (const port of next.ports ?? []) {
          if (port.nodePort !== undefined && port.nodePort !== 0) continue;
          const same = (before.ports ?? []).find((candidate) => candidate.port === port.port && (candidate.protocol ?? 'TCP') === (port.protocol ?? 'TCP'));
          if (same?.nodePort !== undefined) port.nodePort = same.nodePort;
        }
      }
    },
    validate: validateService,
    validateUpdate(object, old) {
      const errors = validateService(object);
      const next = spec(object);
      const before = spec(old);
      const typeChange = (next.type === 'ExternalName') !== (before.type === 'ExternalName');
      if (!typeChange && wantsClusterIp(before) && next.clusterIP !== before.clusterIP) {
        errors.push({ type: 'FieldValueInvalid', field: 'spec.clusterIPs[0]', value: next.clusterIP ?? '', detail: 'may not change once set' });
      }
      return errors;
    },
    async beforeWrite(object, old) {
      return allocate(allocator, object, old);
    },
    async checkWrite(object, old) {
      const s = spec(object);
      const before = old === undefined ? undefined : spec(old);
      if (wantsClusterIp(s) && s.clusterIP !== undefined && s.clusterIP !== '' && s.clusterIP !== before?.clusterIP) {
        if (!allocator.inRange(s.clusterIP) || (await allocator.isIpTaken(s.clusterIP))) {
          throw allocationInvalid(object, 'spec.clusterIPs', [s.clusterIP], new AllocationError('provided IP is already allocated', 'taken'));
        }
      }
    },
    async afterWrite(object, old) {
      // What the old object held and the new one no longer does is released once the write has landed.
      const s = spec(object);
      const before = spec(old);
      if (before.clusterIP !== undefined && wantsClusterIp(before) && before.clusterIP !== s.clusterIP) await allocator.releaseIp(before.clusterIP);
      const kept = new Set((s.ports ?? []).map((port) => port.nodePort));
      for (const port of before.ports ?? []) if (port.nodePort !== undefined && port.nodePort > 0 && !kept.has(port.nodePort)) await allocator.releaseNodePort(port.nodePort);
    },
    async afterDelete(object) {
      const s = spec(object);
      if (wantsClusterIp(s) && s.clusterIP !== undefined && s.clusterIP !== '') await allocator.releaseIp(s.clusterIP);
      for (const port of s.ports ?? []) if (port.nodePort !== undefined && port.nodePort > 0) await allocator.releaseNodePort(port.nodePort);
    },
    fieldSelectors: {
      'spec.clusterIP': (object) => spec(object).clusterIP ?? '',
      'spec.type': (object) => spec(object).type ?? '',
    },
    table: {
      columns: [
        columns.name,
        { name: 'Type', type: 'string', description: 'The type of service', priority: 0 },
        { name: 'Cluster-IP', type: 'string', description: 'The cluster IP of the service', priority: 0 },
        { name: 'External-IP', type: 'string', description: 'The external IPs of the service', priority: 0 },
        { name: 'Port(s)', type: 'string', description: 'The ports of the service', priority: 0 },
        columns.age,
        { name: 'Selector', type: 'string', description: 'The selector of the service', priority: 1 },
      ],
      cells: (object, now) => {
        const s = spec(object);
        const type = s.type ?? 'ClusterIP';
        const clusterIp = s.clusterIP === undefined || s.clusterIP === '' ? '<none>' : s.clusterIP;
        const ports = (s.ports ?? []).map((port) => `${port.port}${port.nodePort ? `:${port.nodePort}` : ''}/${port.protocol ?? 'TCP'}`).join(',');
        const selector = Object.keys(s.selector ?? {}).sort().map((key) => `${key}=${s.selector![key]}`).join(',');
        return [object.metadata.name ?? '', type, clusterIp, externalIp(object as Service), ports === '' ? '<none>' : ports, ageCell(object, now), selector === '' ? '<none>' : selector];
      },
    },
  };
}

/** The External-IP column as kubectl's printer computes it. */
function externalIp(service: Service): string {
  const s = service.spec ?? {};
  switch (s.type) {
    case 'ExternalName':
      return s.externalName ?? '<none>';
    case 'LoadBalancer': {
      const ingress = (service.status?.loadBalancer?.ingress ?? []).map((entry) => entry.ip ?? entry.hostname ?? '').filter((value) => value !== '');
      const all = [...ingress, ...(s.externalIPs ?? [])];
      return all.length > 0 ? all.join(',') : '<pending>';
    }
    default:
      return (s.externalIPs ?? []).length > 0 ? s.externalIPs!.join(',') : '<none>';
  }
}

/** Takes what the new object needs and releases what the old one had and the new one does not. */
async function allocate(allocator: ServiceAllocator, object: KubeObject, old: KubeObject | undefined): Promise<() => Promise<void>> {
  const s = spec(object);
  const before = old === undefined ? undefined : spec(old);
  const owner = `${object.metadata.namespace ?? ''}/${object.metadata.name ?? ''}`;
  const taken: { ip?: string; ports: number[] } = { ports: [] };
  const undo = async (): Promise<void> => {
    if (taken.ip !== undefined) await allocator.releaseIp(taken.ip);
    for (const port of taken.ports) await allocator.releaseNodePort(port);
  };
  try {
    const hadIp = before !== undefined && wantsClusterIp(before) ? before.clusterIP : undefined;
    if (wantsClusterIp(s)) {
      if (s.clusterIP === undefined || s.clusterIP === '') {
        s.clusterIP = await allocator.allocateIp(owner);
        taken.ip = s.clusterIP;
      } else if (s.clusterIP !== hadIp) {
        try {
          await allocator.allocateIp(owner, s.clusterIP);
        } catch (error) {
          throw allocationInvalid(object, 'spec.clusterIPs', [s.clusterIP], error);
        }
        taken.ip = s.clusterIP;
      }
      s.clusterIPs = [s.clusterIP];
    } else if (s.clusterIP === 'None') {
      s.clusterIPs = ['None'];
    } else {
      delete s.clusterIP;
      delete s.clusterIPs;
    }
    const oldPorts = new Set((before?.ports ?? []).map((port) => port.nodePort).filter((port): port is number => port !== undefined && port > 0));
    if (wantsNodePorts(s)) {
      for (const [index, port] of (s.ports ?? []).entries()) {
        if (port.nodePort !== undefined && port.nodePort > 0) {
          if (oldPorts.has(port.nodePort)) continue;
          try {
            await allocator.allocateNodePort(owner, port.nodePort);
          } catch (error) {
            throw allocationInvalid(object, `spec.ports[${index}].nodePort`, port.nodePort, error);
          }
          taken.ports.push(port.nodePort);
        } else {
          port.nodePort = await allocator.allocateNodePort(owner);
          taken.ports.push(port.nodePort);
        }
      }
    } else {
      for (const port of s.ports ?? []) delete port.nodePort;
    }
  } catch (error) {
    await undo();
    throw error;
  }
  return undo;
}

