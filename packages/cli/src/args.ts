import { parseArgs } from 'node:util';
import { z } from 'zod';

/** A command line that cannot be run as given; printed with the usage. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const SERVER_USAGE = `Usage: lk server [flags]

Starts a Kubernetes control plane in this process and prints how to use it with kubectl.

Flags (named as k3s names them):
  --data-dir DIR                 where state lives (default ./.lk)
  --datastore-endpoint URL       sqlite:///path, sqlite://:memory:, postgres://…, mysql://…, etcd://host:port
                                 (default: a SQLite file in the data dir)
  --write-kubeconfig FILE        where to write the admin kubeconfig (default <data-dir>/kubeconfig.yaml)
  --listen HOST:PORT             address to serve on (default 127.0.0.1:6443; port 0 picks one;
                                 0.0.0.0:6443 serves every interface, over TLS)
  --tls-san NAME                 another name or IP the serving certificate answers to (repeatable,
                                 or comma-separated), e.g. the gateway's address for devices
  --log-level LEVEL              trace, debug, info, warn, error (default info)
  --log-format FORMAT            pretty or json (default: pretty on a terminal, json otherwise)
  -h, --help                     this text
`;

const serverFlags = z
  .object({
    'data-dir': z.string().min(1).optional(),
    'datastore-endpoint': z.string().min(1).optional(),
    'write-kubeconfig': z.string().min(1).optional(),
    listen: z.string().min(1).optional(),
    'tls-san': z.array(z.string().min(1)).optional(),
    'log-level': z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
    'log-format': z.enum(['pretty', 'json']).optional(),
    help: z.boolean().optional(),
  })
  .strict();

export type ServerFlags = z.infer<typeof serverFlags>;

export function parseServerFlags(argv: readonly string[]): ServerFlags {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        'data-dir': { type: 'string' },
        'datastore-endpoint': { type: 'string' },
        'write-kubeconfig': { type: 'string' },
        listen: { type: 'string' },
        'tls-san': { type: 'string', multiple: true },
        'log-level': { type: 'string' },
        'log-format': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: false,
      strict: true,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const parsed = serverFlags.safeParse(values);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UsageError(`--${String(issue.path[0])}: ${issue.message}`);
  }
  return parsed.data;
}
