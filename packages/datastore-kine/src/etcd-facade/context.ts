import type { Logger } from 'pino';
import type { Backend } from '../backend.js';

/** What every service of one facade server shares. */
export interface FacadeContext {
  readonly backend: Backend;
  readonly logger: Logger;
  /** How often a watch that asked for progress_notify hears the revision while idle (ms). */
  readonly progressNotifyIntervalMs: number;
  /** The etcd version Status reports. */
  readonly etcdVersion: string;
  /** Leases granted through this server: the backend cannot list leases, LeaseLeases lists these. */
  readonly grantedLeases: Set<number>;
  /** Open streams (watch, keep-alive), ended when the server closes. */
  readonly streams: Set<{ close(): void }>;
  /** host:port the server is bound to. */
  address: string;
}
