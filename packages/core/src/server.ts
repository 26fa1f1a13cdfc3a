import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server } from 'node:http';
import { isIP } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { createApiServer, type ApiServer } from '@lk/apiserver';
import { ApiClient, garbageCollector, namespaceController } from '@lk/controllers';
import { openBackend, redact, type Backend, type OpenBackendOptions } from '@lk/datastore-kine';
import { pino, type Logger } from 'pino';
import { z } from 'zod';
import { ConfigurationError } from './errors.js';
import { renderKubeconfig } from './kubeconfig.js';

export interface CreateServerOptions {
  /** Where lk keeps its state: the SQLite database and the kubeconfig. Default `./.lk`. */
  readonly dataDir?: string;
  /**
   * The datastore: an endpoint string as k3s's `--datastore-endpoint`
   * (`sqlite:///path`, `postgres://…`, `mysql://…`, `etcd://host:port`) or a
   * Backend object. Default: a SQLite file in the data dir.
   */
  readonly datastoreEndpoint?: string | Backend;
  /** Tuning of the datastore driver. */
  readonly datastore?: Omit<OpenBackendOptions, 'logger'>;
  /** `host:port` to serve on; port 0 picks a free one. Default `127.0.0.1:6443`. */
  readonly listen?: string;
  /** Write the admin kubeconfig to this file (default `<dataDir>/kubeconfig.yaml`); false to write none. */
  readonly writeKubeconfig?: string | false;
  /** pino logger; the default says nothing. */
  readonly logger?: Logger;
}

/** A running control plane. */
export interface LkServer {
  /** The API server's URL. */
  readonly url: string;
  /** A kubeconfig for the admin, as YAML text. */
  readonly kubeconfig: string;
  /** The same as a @kubernetes/client-node KubeConfig, ready for `makeApiClient`. */
  readonly kubeConfig: KubeConfig;
  /** Where the kubeconfig was written, if it was. */
  readonly kubeconfigPath: string | undefined;
  /** The datastore behind the API. */
  readonly backend: Backend;
  /** The API server itself, for hosts that wire more into it. */
  readonly apiServer: ApiServer;
  /** Stops serving, closes watches and the datastore (if lk opened it). */
  close(): Promise<void>;
}

const listenAddress = z.string().regex(/^(\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5}$/, 'must be host:port, e.g. 127.0.0.1:6443');

function parseListen(listen: string): { host: string; port: number } {
  const parsed = listenAddress.safeParse(listen);
  if (!parsed.success) throw new ConfigurationError(`listen address ${JSON.stringify(listen)} ${parsed.error.issues[0]!.message}`);
  const index = listen.lastIndexOf(':');
  const host = listen.slice(0, index).replace(/^\[|\]$/g, '');
  const port = Number(listen.slice(index + 1));
  if (port > 65535) throw new ConfigurationError(`listen port ${port} is out of range (0-65535)`);
  // Until TLS and authentication are in place, plain HTTP is served on loopback only.
  const loopback = host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
  if (!loopback) {
    throw new ConfigurationError(`listen address ${listen} is not on loopback: lk serves plain HTTP without authentication for now, so it only listens on 127.0.0.1, ::1 or localhost`);
  }
  return { host, port };
}

/**
 * Starts a control plane in this process: opens the datastore, starts the API
 * server on `listen`, writes a kubeconfig, and returns how to reach it.
 */
export async function createServer(options: CreateServerOptions = {}): Promise<LkServer> {
  const logger = options.logger ?? pino({ level: 'silent' });
  const dataDir = resolve(options.dataDir ?? '.lk');
  const { host, port } = parseListen(options.listen ?? '127.0.0.1:6443');
  const endpoint = options.datastoreEndpoint ?? `sqlite://${join(dataDir, 'db', 'state.db')}`;
  const ownsBackend = typeof endpoint === 'string';
  const started = performance.now();

  const backend = await openBackend(endpoint, { ...options.datastore, logger: logger.child({ component: 'datastore' }) });
  let httpServer: Server | undefined;
  let apiServer: ApiServer | undefined;
  try {
    apiServer = await createApiServer({ backend, logger: logger.child({ component: 'apiserver' }) });
    const server = createHttpServer({ keepAlive: true, keepAliveTimeout: 65_000 }, apiServer.handle);
    httpServer = server;
    // Watches are long requests: the per-request timeout is the watch's own.
    server.requestTimeout = 0;
    server.headersTimeout = 60_000;
    await new Promise<void>((resolveListen, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolveListen();
      });
    });
    const address = server.address();
    const boundPort = typeof address === 'object' && address !== null ? address.port : port;
    const urlHost = host.includes(':') ? `[${host}]` : host;
    const url = `http://${urlHost}:${boundPort}`;
    apiServer.setAdvertisedAddress(`${urlHost}:${boundPort}`);

    // The controllers a cluster needs for the API to behave (namespace deletion, cascading deletion
    // through ownerReferences), talking to the API like any client.
    const controllerClient = new ApiClient({ server: url, userAgent: 'lk-controller-manager' });
    const controllerLogger = logger.child({ component: 'controllers' });
    const controllers = [namespaceController(controllerClient, controllerLogger), garbageCollector(controllerClient, controllerLogger)];
    for (const controller of controllers) controller.start();

    const kubeconfig = renderKubeconfig({ server: url, name: 'lk' });
    const kubeconfigPath = options.writeKubeconfig === false ? undefined : resolve(options.writeKubeconfig ?? join(dataDir, 'kubeconfig.yaml'));
    if (kubeconfigPath !== undefined) {
      await mkdir(dirname(kubeconfigPath), { recursive: true });
      await writeFile(kubeconfigPath, kubeconfig, { mode: 0o600 });
      await chmod(kubeconfigPath, 0o600);
    }
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromString(kubeconfig);
    logger.info({ url, kubeconfig: kubeconfigPath, datastore: typeof endpoint === 'string' ? redact(endpoint) : 'custom', ms: Math.round(performance.now() - started) }, 'control plane ready');

    const readyServer = apiServer;
    let closing: Promise<void> | undefined;
    return {
      url,
      kubeconfig,
      kubeConfig,
      kubeconfigPath,
      backend,
      apiServer: readyServer,
      close: () => {
        closing ??= (async () => {
          readyServer.health.markShuttingDown();
          await Promise.all(controllers.map((controller) => controller.stop()));
          await new Promise<void>((resolveClose) => {
            server.close(() => resolveClose());
            // Open watches would keep the server open for up to an hour.
            server.closeAllConnections();
          });
          await readyServer.close();
          if (ownsBackend) await backend.close();
          logger.info('control plane stopped');
        })();
        return closing;
      },
    };
  } catch (error) {
    httpServer?.close();
    await apiServer?.close();
    if (ownsBackend) await backend.close();
    throw error;
  }
}

/**
 * A control plane for tests: an in-memory datastore, a free port on
 * 127.0.0.1, no files. Many can run side by side in one process.
 */
export async function createTestServer(options: Omit<CreateServerOptions, 'listen' | 'writeKubeconfig' | 'dataDir'> = {}): Promise<LkServer> {
  return createServer({
    datastoreEndpoint: 'sqlite://:memory:',
    ...options,
    datastore: { compactIntervalMs: 0, ...options.datastore },
    listen: '127.0.0.1:0',
    writeKubeconfig: false,
  });
}
