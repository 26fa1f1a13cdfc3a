/**
 * The Pod Security Standards checks of Kubernetes 1.32 ("latest"), as
 * k8s.io/pod-security-admission/policy defines them: each check looks at a
 * pod spec and reports a forbidden reason and detail in upstream's words.
 */
type Json = Record<string, unknown>;

export type Level = 'privileged' | 'baseline' | 'restricted';

export interface Violation {
  readonly reason: string;
  readonly detail: string;
}

interface Container {
  readonly name: string;
  readonly securityContext: Json;
  readonly ports: Json[];
}

const list = (value: unknown): Json[] => (Array.isArray(value) ? (value as Json[]) : []);
const obj = (value: unknown): Json => (typeof value === 'object' && value !== null ? (value as Json) : {});

/** `container "a"` or `containers "a", "b"`, as upstream's pluralize. */
function named(what: string, names: readonly string[]): string {
  return `${what}${names.length === 1 ? '' : 's'} ${names.map((name) => JSON.stringify(name)).join(', ')}`;
}

const BASELINE_CAPABILITIES = ['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT'];
const RESTRICTED_VOLUMES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];
const SAFE_SYSCTLS = ['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_unprivileged_port_start', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_local_reserved_ports', 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes'];

function containersOf(spec: Json): Container[] {
  return [...list(spec['initContainers']), ...list(spec['containers']), ...list(spec['ephemeralContainers'])].map((container) => ({
    name: String(container['name'] ?? ''),
    securityContext: obj(container['securityContext']),
    ports: list(container['ports']),
  }));
}

function baseline(metadata: Json, spec: Json): Violation[] {
  const violations: Violation[] = [];
  const podContext = obj(spec['securityContext']);
  const containers = containersOf(spec);
  const withContext = (test: (context: Json) => boolean) => containers.filter((container) => test(container.securityContext)).map((container) => container.name);

  const hostProcess = withContext((context) => obj(context['windowsOptions'])['hostProcess'] === true);
  if (obj(podContext['windowsOptions'])['hostProcess'] === true || hostProcess.length > 0) {
    violations.push({ reason: 'hostProcess', detail: `${hostProcess.length > 0 ? `pod and ${named('container', hostProcess)}` : 'pod'} must not set securityContext.windowsOptions.hostProcess=true` });
  }
  const namespaces = ['hostNetwork', 'hostPID', 'hostIPC'].filter((field) => spec[field] === true);
  if (namespaces.length > 0) violations.push({ reason: 'host namespaces', detail: namespaces.map((field) => `${field}=true`).join(', ') });
  const privileged = withContext((context) => context['privileged'] === true);
  if (privileged.length > 0) violations.push({ reason: 'privileged', detail: `${named('container', privileged)} must not set securityContext.privileged=true` });
  const added = new Map<string, string[]>();
  for (const container of containers) {
    for (const capability of (obj(container.securityContext['capabilities'])['add'] as string[] | undefined) ?? []) {
      if (!BASELINE_CAPABILITIES.includes(capability)) added.set(container.name, [...(added.get(container.name) ?? []), capability]);
    }
  }
  if (added.size > 0) {
    const capabilities = [...new Set([...added.values()].flat())];
    violations.push({ reason: 'non-default capabilities', detail: `${named('container', [...added.keys()])} must not include ${capabilities.map((capability) => JSON.stringify(capability)).join(', ')} in securityContext.capabilities.add` });
  }
  const hostPaths = list(spec['volumes']).filter((volume) => volume['hostPath'] !== undefined).map((volume) => String(volume['name'] ?? ''));
  if (hostPaths.length > 0) violations.push({ reason: 'hostPath volumes', detail: named('volume', hostPaths) });
  const hostPorts = containers.flatMap((container) => container.ports.filter((port) => typeof port['hostPort'] === 'number' && port['hostPort'] !== 0).map((port) => ({ container: container.name, port: port['hostPort'] as number })));
  if (hostPorts.length > 0) {
    const names = [...new Set(hostPorts.map((entry) => entry.container))];
    violations.push({ reason: 'hostPort', detail: `${named('container', names)} ${names.length === 1 ? 'uses' : 'use'} ${hostPorts.length === 1 ? 'hostPort' : 'hostPorts'} ${hostPorts.map((entry) => entry.port).join(', ')}` });
  }
  const unconfinedPod = obj(podContext['seccompProfile'])['type'] === 'Unconfined';
  const unconfined = withContext((context) => obj(context['seccompProfile'])['type'] === 'Unconfined');
  if (unconfinedPod || unconfined.length > 0) {
    const who = [...(unconfinedPod ? ['pod'] : []), ...(unconfined.length > 0 ? [named('container', unconfined)] : [])].join(' and ');
    violations.push({ reason: 'seccompProfile', detail: `${who} must not set securityContext.seccompProfile.type to "Unconfined"` });
  }
  const procMount = withContext((context) => context['procMount'] !== undefined && context['procMount'] !== 'Default');
  if (procMount.length > 0) violations.push({ reason: 'procMount', detail: `${named('container', procMount)} must not set securityContext.procMount to "Unmasked"` });
  const sysctls = list(podContext['sysctls']).map((sysctl) => String(sysctl['name'] ?? '')).filter((name) => !SAFE_SYSCTLS.includes(name));
  if (sysctls.length > 0) violations.push({ reason: 'forbidden sysctls', detail: sysctls.join(', ') });
  const annotations = obj(metadata['annotations']);
  const appArmor = Object.entries(annotations).filter(([key, value]) => key.startsWith('container.apparmor.security.beta.kubernetes.io/') && value !== 'runtime/default' && !String(value).startsWith('localhost/'));
  if (appArmor.length > 0) violations.push({ reason: 'forbidden AppArmor profiles', detail: appArmor.map(([key, value]) => `${JSON.stringify(key)}=${JSON.stringify(value)}`).join(', ') });
  return violations;
}

function restricted(spec: Json): Violation[] {
  const violations: Violation[] = [];
  const podContext = obj(spec['securityContext']);
  const containers = containersOf(spec);
  const withContext = (test: (context: Json) => boolean) => containers.filter((container) => test(container.securityContext)).map((container) => container.name);

  const badVolumes = list(spec['volumes']).flatMap((volume) => {
    const type = Object.keys(volume).find((key) => key !== 'name');
    return type !== undefined && !RESTRICTED_VOLUMES.includes(type) ? [{ name: String(volume['name'] ?? ''), type }] : [];
  });
  if (badVolumes.length > 0) {
    const types = [...new Set(badVolumes.map((volume) => volume.type))];
    violations.push({ reason: 'restricted volume types', detail: `${named('volume', badVolumes.map((volume) => volume.name))} ${badVolumes.length === 1 ? 'uses' : 'use'} restricted volume type${types.length === 1 ? '' : 's'} ${types.map((type) => JSON.stringify(type)).join(', ')}` });
  }
  const escalation = withContext((context) => context['allowPrivilegeEscalation'] !== false);
  if (escalation.length > 0) violations.push({ reason: 'allowPrivilegeEscalation != false', detail: `${named('container', escalation)} must set securityContext.allowPrivilegeEscalation=false` });
  const undropped = withContext((context) => !((obj(context['capabilities'])['drop'] as string[] | undefined) ?? []).includes('ALL'));
  const extraAdds = containers.filter((container) => ((obj(container.securityContext['capabilities'])['add'] as string[] | undefined) ?? []).some((capability) => capability !== 'NET_BIND_SERVICE'));
  if (undropped.length > 0 || extraAdds.length > 0) {
    const parts = [
      ...(undropped.length > 0 ? [`${named('container', undropped)} must set securityContext.capabilities.drop=["ALL"]`] : []),
      ...(extraAdds.length > 0 ? [`${named('container', extraAdds.map((container) => container.name))} must not include ${[...new Set(extraAdds.flatMap((container) => ((obj(container.securityContext['capabilities'])['add'] as string[]) ?? []).filter((capability) => capability !== 'NET_BIND_SERVICE')))].map((capability) => JSON.stringify(capability)).join(', ')} in securityContext.capabilities.add`] : []),
    ];
    violations.push({ reason: 'unrestricted capabilities', detail: parts.join('; ') });
  }
  const podNonRoot = podContext['runAsNonRoot'] === true;
  const notNonRoot = withContext((context) => context['runAsNonRoot'] === false || (context['runAsNonRoot'] !== true && !podNonRoot));
  if (podContext['runAsNonRoot'] === false || notNonRoot.length > 0) {
    const explicitlyFalse = podContext['runAsNonRoot'] === false;
    violations.push({ reason: 'runAsNonRoot != true', detail: explicitlyFalse ? 'pod must not set securityContext.runAsNonRoot=false' : `pod or ${named('container', notNonRoot)} must set securityContext.runAsNonRoot=true` });
  }
  const rootUsers = withContext((context) => context['runAsUser'] === 0);
  if (podContext['runAsUser'] === 0 || rootUsers.length > 0) {
    const who = [...(podContext['runAsUser'] === 0 ? ['pod'] : []), ...(rootUsers.length > 0 ? [named('container', rootUsers)] : [])].join(' and ');
    violations.push({ reason: 'runAsUser=0', detail: `${who} must not set runAsUser=0` });
  }
  const allowedSeccomp = (type: unknown): boolean => type === 'RuntimeDefault' || type === 'Localhost';
  const podSeccomp = allowedSeccomp(obj(podContext['seccompProfile'])['type']);
  const missingSeccomp = withContext((context) => {
    const type = obj(context['seccompProfile'])['type'];
    return type === undefined ? !podSeccomp : !allowedSeccomp(type) && type !== 'Unconfined';
  });
  if (missingSeccomp.length > 0) violations.push({ reason: 'seccompProfile', detail: `pod or ${named('container', missingSeccomp)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"` });
  return violations;
}

/** Every check of the level that the pod fails, in upstream's order (baseline's, then restricted's). */
export function violationsOf(level: Level, metadata: Json, spec: Json): Violation[] {
  if (level === 'privileged') return [];
  const found = baseline(metadata, spec);
  if (level === 'restricted') {
    found.push(...restricted(spec));
    // Both levels check seccomp; restricted's stricter report replaces baseline's for the same field.
    const seccomp = found.filter((violation) => violation.reason === 'seccompProfile');
    if (seccomp.length > 1) found.splice(found.indexOf(seccomp[0]!), 1);
  }
  return found;
}

/** `reason (detail), reason (detail)`: how upstream lists violations in messages. */
export function describeViolations(violations: readonly Violation[]): string {
  return violations.map((violation) => `${violation.reason} (${violation.detail})`).join(', ');
}
