import { randomInt } from 'node:crypto';
import { KeyExistsError, KeyNotFoundError, type Backend } from '@lk/datastore-kine';

/**
 * Hands out Service cluster IPs and node ports. Each allocation is a key of
 * its own in the datastore, created with compare-and-swap, so that two API
 * servers sharing a datastore can never hand out the same IP or port.
 */
export interface ServiceAllocatorOptions {
  /** The service network, e.g. 10.43.0.0/16 (k3s's default). */
  readonly serviceCidr: string;
  /** Inclusive node port range, upstream's default 30000-32767. */
  readonly nodePortRange: readonly [number, number];
}

export class AllocationError extends Error {
  constructor(
    message: string,
    readonly reason: 'taken' | 'out-of-range' | 'full' | 'invalid',
  ) {
    super(message);
  }
}

const IP_PREFIX = '/registry/lk/allocations/serviceips/';
const PORT_PREFIX = '/registry/lk/allocations/servicenodeports/';

export function parseCidr(cidr: string): { base: number; size: number } {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (match === null) throw new Error(`service CIDR ${JSON.stringify(cidr)} is not an IPv4 CIDR such as 10.43.0.0/16`);
  const octets = match.slice(1, 5).map(Number);
  const bits = Number(match[5]);
  if (octets.some((octet) => octet > 255) || bits < 8 || bits > 30) {
    throw new Error(`service CIDR ${cidr} must be a valid IPv4 network between /8 and /30`);
  }
  const address = ((octets[0]! << 24) | (octets[1]! << 16) | (octets[2]! << 8) | octets[3]!) >>> 0;
  const size = 2 ** (32 - bits);
  return { base: address - (address % size), size };
}

export function ipToString(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
}

export function ipToNumber(ip: string): number | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (match === null) return undefined;
  const octets = match.slice(1).map(Number);
  if (octets.some((octet) => octet > 255)) return undefined;
  return ((octets[0]! << 24) | (octets[1]! << 16) | (octets[2]! << 8) | octets[3]!) >>> 0;
}

export class ServiceAllocator {
  private readonly network: { base: number; size: number };

  constructor(
    private readonly backend: Backend,
    private readonly options: ServiceAllocatorOptions,
  ) {
    this.network = parseCidr(options.serviceCidr);
  }

  /** The first usable address: reserved for the `kubernetes` Service. */
  get apiServiceIp(): string {
    return ipToString(this.network.base + 1);
  }

  inRange(ip: string): boolean {
    const value = ipToNumber(ip);
    return value !== undefined && value > this.network.base && value < this.network.base + this.network.size - 1;
  }

  /** Takes `requested`, or a free address at random; `owner` is recorded for debugging. */
  async allocateIp(owner: string, requested?: string): Promise<string> {
    if (requested !== undefined) {
      if (!this.inRange(requested)) {
        throw new AllocationError(`the provided IP (${requested}) is not in the valid range. The range of valid IPs is ${this.options.serviceCidr}`, 'out-of-range');
      }
      if (!(await this.claim(IP_PREFIX + requested, owner))) throw new AllocationError('provided IP is already allocated', 'taken');
      return requested;
    }
    // Skip the network address, the first address (the kubernetes Service) and broadcast.
    const first = 2;
    const count = this.network.size - 3;
    const start = randomInt(count);
    for (let i = 0; i < count; i++) {
      const ip = ipToString(this.network.base + first + ((start + i) % count));
      if (await this.claim(IP_PREFIX + ip, owner)) return ip;
    }
    throw new AllocationError(`failed to allocate a serviceIP: range is full`, 'full');
  }

  async releaseIp(ip: string): Promise<void> {
    await this.release(IP_PREFIX + ip);
  }

  async isIpTaken(ip: string): Promise<boolean> {
    return (await this.backend.get(IP_PREFIX + ip)).kv !== undefined;
  }

  async allocateNodePort(owner: string, requested?: number): Promise<number> {
    const [low, high] = this.options.nodePortRange;
    if (requested !== undefined) {
      if (requested < low || requested > high) {
        throw new AllocationError(`provided port is not in the valid range. The range of valid ports is ${low}-${high}`, 'out-of-range');
      }
      if (!(await this.claim(PORT_PREFIX + requested, owner))) throw new AllocationError('provided port is already allocated', 'taken');
      return requested;
    }
    const count = high - low + 1;
    const start = randomInt(count);
    for (let i = 0; i < count; i++) {
      const port = low + ((start + i) % count);
      if (await this.claim(PORT_PREFIX + port, owner)) return port;
    }
    throw new AllocationError('failed to allocate a nodePort: range is full', 'full');
  }

  async releaseNodePort(port: number): Promise<void> {
    await this.release(PORT_PREFIX + port);
  }

  async isNodePortTaken(port: number): Promise<boolean> {
    return (await this.backend.get(PORT_PREFIX + port)).kv !== undefined;
  }

  private async claim(key: string, owner: string): Promise<boolean> {
    try {
      await this.backend.create(key, new TextEncoder().encode(owner));
      return true;
    } catch (error) {
      if (error instanceof KeyExistsError) return false;
      throw error;
    }
  }

  private async release(key: string): Promise<void> {
    try {
      await this.backend.delete(key);
    } catch (error) {
      if (!(error instanceof KeyNotFoundError)) throw error;
    }
  }
}
