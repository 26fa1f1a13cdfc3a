import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer as createHttpServer } from 'node:http';
import { createSecureServer, type Http2Session } from 'node:http2';
import { isIP, type Server, type Socket } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { createApiServer, type ApiServer, type AuthenticationOptions, type AuthorizationOptions, type InProcessAdmission } from '@lk/apiserver';
import { ensureCertificates, parseCertificateRequest, signCertificateRequest, type CertificateOptions } from '@lk/certs';
import { ApiClient, clusterRoleAggregationController, csrApprovingController, csrSigningController, garbageCollector, KUBELET_SERVING, namespaceController, rootCaPublisher, serviceAccountsController } from '@lk/controllers';
import { openBackend, redact, type Backend, type OpenBackendOptions } from '@lk/datastore-kine';
import { pino, type Logger } from 'pino';
import { z } from 'zod';
import { ConfigurationError } from './errors.js';
import { renderKubeconfig } from './kubeconfig.js';
import { InProcessCredentials, type Credentials, type Identity } from './credentials.js';
import { maintainCertificates } from './certificate-maintenance.js';

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
  /**
   * `https` (the default): TLS with HTTP/2 and HTTP/1.1, a serving
   * certificate from lk's own CA (see @lk/certs) and a kubeconfig that
   * trusts it. `http`: plain HTTP, which a host must ask for explicitly
   * (createTestServer does), and on loopback only.
   */
  readonly transport?: 'https' | 'http';
  /** Extra names and IP addresses the serving certificate answers to. */
  readonly tlsSan?: readonly string[];
  /**
   * How requests are authenticated beyond lk's own means (client
   * certificates from its CA, service-account and bootstrap tokens):
   * static tokens, the host's authenticators, anonymous requests.
   */
  readonly authentication?: Omit<AuthenticationOptions, 'clientCaPem'>;
  /** How requests are authorized: RBAC (with the Node authorizer) by default; the host's authorizers go first. */
  readonly authorization?: AuthorizationOptions;
  /**
   * The host's own admission hooks: TypeScript functions that see the same
   * AdmissionReview request a webhook sees and answer as a webhook does.
   */
  readonly admission?: InProcessAdmission;
  /** Certificate lifetimes and upkeep (https only). */
  readonly certificates?: CertificateUpkeepOptions;
}

export interface CertificateUpkeepOptions {
  /** A leaf expiring within this many days is renewed (default 90), at start and by the running server. */
  readonly renewalWindowDays?: number;
  /** Lifetime of leaf certificates in days (default 365). */
  readonly leafValidityDays?: number;
  /** How often the running server checks its certificates (default daily). */
  readonly checkIntervalMs?: number;
  /** The clock (tests move it). */
  readonly now?: () => Date;
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
  /**
   * `fetch` against this server with the admin's credentials and trust in
   * its CA: `server.fetch('/api/v1/namespaces')`. Paths are relative to `url`.
   */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /**
   * A kubeconfig for another user (a person, a device, a component): over
   * TLS a client certificate from lk's client CA with the name as CN and the
   * groups as O (valid `validityDays`, default a year; nothing is stored, and
   * RBAC decides what it may do); over plain HTTP a bearer token that lives
   * as long as this server.
   */
  kubeconfigFor(user: { readonly name: string; readonly groups?: readonly string[]; readonly validityDays?: number }): Promise<string>;
  /** Stops serving, closes watches and the datastore (if lk opened it). */
  close(): Promise<void>;
}

const listenAddress = z.string().regex(/^(\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5}$/, 'must be host:port, e.g. 127.0.0.1:6443');

function parseListen(listen: string, transport: 'https' | 'http'): { host: string; port: number } {
  const parsed = listenAddress.safeParse(listen);
  if (!parsed.success) throw new ConfigurationError(`listen address ${JSON.stringify(listen)} ${parsed.error.issues[0]!.message}`);
  const index = listen.lastIndexOf(':');
  const host = listen.slice(0, index).replace(/^\[|\]$/g, '');
  const port = Number(listen.slice(index + 1));
  if (port > 65535) throw new ConfigurationError(`listen port ${port} is out of range (0-65535)`);
  // Credentials must not cross a network in clear text: plain HTTP stays on this machine.
  const loopback = host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
  if (transport === 'http' && !loopback) {
    throw new ConfigurationError(`listen address ${listen} is not on loopback: plain HTTP is only served on 127.0.0.1, ::1 or localhost; use transport 'https' (the default) to listen on a network`);
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
  const transport = options.transport ?? 'https';
  const { host, port } = parseListen(options.listen ?? '127.0.0.1:6443', transport);
  const endpoint = options.datastoreEndpoint ?? `sqlite://${join(dataDir, 'db', 'state.db')}`;
  const ownsBackend = typeof endpoint === 'string';
  const started = performance.now();

  const certificateOptions: CertificateOptions = {
    dataDir,
    serverNames: [...(isIP(host) === 0 ? [host] : []), ...(options.tlsSan ?? []).filter((name) => isIP(name) === 0)],
    // An unspecified address (0.0.0.0, ::) is no name a client connects to.
    serverAddresses: [...(isIP(host) !== 0 && host !== '0.0.0.0' && host !== '::' ? [host] : []), ...(options.tlsSan ?? []).filter((name) => isIP(name) !== 0)],
    ...(options.certificates?.renewalWindowDays !== undefined && { renewalWindowDays: options.certificates.renewalWindowDays }),
    ...(options.certificates?.leafValidityDays !== undefined && { leafValidityDays: options.certificates.leafValidityDays }),
    ...(options.certificates?.now !== undefined && { now: options.certificates.now }),
  };
  const tls = transport === 'https' ? await ensureCertificates(certificateOptions) : undefined;
  if (tls !== undefined && (tls.created.length > 0 || tls.renewed.length > 0)) {
    logger.info({ directory: tls.directory, created: tls.created, renewed: tls.renewed }, 'certificates written');
  }
  // How lk's own clients (the admin's kubeconfig, the in-process controllers) prove who they are.
  const credentials: Credentials = new InProcessCredentials(tls);

  const backend = await openBackend(endpoint, { ...options.datastore, logger: logger.child({ component: 'datastore' }) });
  let httpServer: Server | undefined;
  let apiServer: ApiServer | undefined;
  try {
    apiServer = await createApiServer({
      backend,
      logger: logger.child({ component: 'apiserver' }),
      authentication: {
        ...options.authentication,
        ...(tls !== undefined && { clientCaPem: tls.clientCa.certificatePem }),
        tokenAuthenticators: [credentials.tokenAuthenticator, ...(options.authentication?.tokenAuthenticators ?? [])],
      },
      authorization: options.authorization,
      ...(options.admission !== undefined && { admission: options.admission }),
      // The serviceaccount controller below makes every namespace's default account.
      requireServiceAccounts: true,
      // Over TLS, the key pair in <dataDir>/tls signs service-account tokens, so they outlive restarts.
      ...(tls !== undefined && { serviceAccount: { privateKeyPem: tls.serviceAccount.privateKeyPem, publicKeyPems: [tls.serviceAccount.publicKeyPem], rootCaPem: tls.serverCa.certificatePem } }),
    });
    // Connections, so close() can end open watches at once.
    const connections = new Set<Socket | Http2Session>();
    const secureServer =
      tls === undefined
        ? undefined
        : createSecureServer(
            {
              cert: tls.serving.certificatePem,
              key: tls.serving.keyPem,
              allowHTTP1: true,
              // Client certificates are asked for, and judged by the API server's x509 authenticator:
              // an untrusted one is a 401 with a Status, as upstream, not a failed handshake.
              requestCert: true,
              rejectUnauthorized: false,
              ca: [tls.clientCa.certificatePem],
            },
            apiServer.handle as unknown as Parameters<typeof createSecureServer>[1],
          );
    const server: Server = secureServer ?? createHttpServer({ keepAlive: true, keepAliveTimeout: 65_000, requestTimeout: 0, headersTimeout: 60_000 }, apiServer.handle);
    httpServer = server;
    server.on('connection', (socket: Socket) => {
      connections.add(socket);
      socket.once('close', () => connections.delete(socket));
    });
    server.on('session', (session: Http2Session) => {
      connections.add(session);
      session.once('close', () => connections.delete(session));
    });
    await new Promise<void>((resolveListen, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolveListen();
      });
    });
    const address = server.address();
    const boundPort = typeof address === 'object' && address !== null ? address.port : port;
    // Listening on every interface: this machine's clients (the kubeconfig, the controllers) use loopback, which the certificate names.
    const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
    const urlHost = reachable.includes(':') ? `[${reachable}]` : reachable;
    const url = `${transport}://${urlHost}:${boundPort}`;
    apiServer.setAdvertisedAddress(`${urlHost}:${boundPort}`);

    // The controllers a cluster needs for the API to behave (namespace deletion, cascading deletion
    // through ownerReferences), talking to the API like any client, each as its own service account
    // (kube-controller-manager's --use-service-account-credentials), which RBAC's bootstrap policy grants.
    const clientAs = async (identity: Identity, agent: string): Promise<ApiClient> => {
      const { fetch, token } = await credentials.forUser(identity);
      return new ApiClient({ server: url, userAgent: agent, ...(fetch !== undefined && { fetch }), ...(token !== undefined && { token }) });
    };
    const controllerClient = (name: string): Promise<ApiClient> => clientAs(controllerIdentity(name), `lk-controller-manager/${name}`);
    // Shared informers list and watch as the controller manager itself (its role may list and watch everything).
    const managerClient = await clientAs({ name: 'system:kube-controller-manager', groups: [] }, 'lk-controller-manager');
    const controllerLogger = logger.child({ component: 'controllers' });
    const controllers = [
      namespaceController(await controllerClient('namespace-controller'), controllerLogger),
      garbageCollector(await controllerClient('generic-garbage-collector'), controllerLogger),
      clusterRoleAggregationController(await controllerClient('clusterrole-aggregation-controller'), controllerLogger),
      serviceAccountsController(await controllerClient('service-account-controller'), controllerLogger, managerClient),
      // Pods trust the API through this CA; over plain HTTP there is none to publish.
      ...(tls !== undefined
        ? [
            rootCaPublisher(await controllerClient('root-ca-cert-publisher'), tls.serverCa.certificatePem, controllerLogger, managerClient),
            // Client certificates from the client CA (which the API trusts), kubelet serving ones from the server CA, as k3s signs them.
            csrSigningController(await controllerClient('certificate-controller'), {
              inspect: parseCertificateRequest,
              sign: ({ requestPem, signerName, usages, notBefore, notAfter }) =>
                signCertificateRequest(signerName === KUBELET_SERVING ? tls.serverCa : tls.clientCa, requestPem, { usages, notBefore, notAfter }),
            }, controllerLogger),
            csrApprovingController(await controllerClient('certificate-controller'), parseCertificateRequest, controllerLogger),
          ]
        : []),
    ];
    for (const controller of controllers) controller.start();

    const admin = await credentials.admin();
    const kubeconfig = renderKubeconfig({ server: url, name: 'lk', ...admin.kubeconfig });
    const adminFetch = admin.fetch ?? globalThis.fetch;
    const kubeconfigPath = options.writeKubeconfig === false ? undefined : resolve(options.writeKubeconfig ?? join(dataDir, 'kubeconfig.yaml'));
    if (kubeconfigPath !== undefined) await writePrivate(kubeconfigPath, kubeconfig);
    if (tls !== undefined) {
      // A kubeconfig for each of the control plane's identities, as k3s keeps in server/cred: for
      // components a host runs out of process (its own scheduler, a controller manager).
      const identities = { admin: tls.admin, controller: tls.controllerManager, scheduler: tls.scheduler };
      for (const [name, certificate] of Object.entries(identities)) {
        const text = renderKubeconfig({ server: url, name: 'lk', certificateAuthorityData: tls.serverCa.certificatePem, clientCertificateData: certificate.certificatePem, clientKeyData: certificate.keyPem });
        await writePrivate(join(dataDir, 'cred', `${name}.kubeconfig`), text);
      }
    }
    const upkeep =
      tls === undefined || secureServer === undefined
        ? undefined
        : maintainCertificates({
            certificates: certificateOptions,
            intervalMs: options.certificates?.checkIntervalMs,
            logger: logger.child({ component: 'certificates' }),
            // New connections get the new certificate; open ones keep theirs until they close.
            reloadServing: (serving) => secureServer.setSecureContext({ cert: serving.certificatePem, key: serving.keyPem, ca: [tls.clientCa.certificatePem] }),
            warn: (reason, message) => recordApiServerEvent(adminFetch, url, admin.headers, 'Warning', reason, message),
          });
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
      fetch: (path, init) => adminFetch(new URL(path, url), withHeaders(init, admin.headers)),
      kubeconfigFor: async (user) => {
        if (user.name === '') throw new ConfigurationError('a kubeconfig needs a user name (the certificate CN)');
        const issued = await credentials.forUser({ name: user.name, groups: user.groups ?? [] }, user.validityDays);
        return renderKubeconfig({ server: url, name: 'lk', ...issued.kubeconfig });
      },
      close: () => {
        closing ??= (async () => {
          readyServer.health.markShuttingDown();
          upkeep?.stop();
          await Promise.all(controllers.map((controller) => controller.stop()));
          await new Promise<void>((resolveClose) => {
            server.close(() => resolveClose());
            // Open watches would keep the server open for up to an hour.
            for (const connection of connections) connection.destroy();
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
  const transport = options.transport ?? 'http';
  // Over TLS the certificates need a home: a temporary one, gone with the server, never the caller's ./.lk.
  const dataDir = transport === 'https' ? await mkdtemp(join(tmpdir(), 'lk-test-server-')) : undefined;
  const server = await createServer({
    datastoreEndpoint: 'sqlite://:memory:',
    ...options,
    datastore: { compactIntervalMs: 0, ...options.datastore },
    listen: '127.0.0.1:0',
    writeKubeconfig: false,
    // Tests talk to it from the same process; plain HTTP is asked for explicitly here.
    transport,
    ...(dataDir !== undefined && { dataDir }),
  });
  if (dataDir === undefined) return server;
  return {
    ...server,
    close: async () => {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The user an in-process controller acts as: its service account in kube-system, as upstream's controller manager. */
function controllerIdentity(name: string): { name: string; groups: string[] } {
  return { name: `system:serviceaccount:kube-system:${name}`, groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system'] };
}

/**
 * Records an Event about the API server itself (regarding the `kubernetes`
 * Service in default, the object that stands for it), as k3s records
 * certificate warnings on its node.
 */
async function recordApiServerEvent(fetchAsAdmin: typeof fetch, url: string, headers: Readonly<Record<string, string>>, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const response = await fetchAsAdmin(new URL('/api/v1/namespaces/default/events', url), {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { generateName: 'kubernetes.' },
      involvedObject: { apiVersion: 'v1', kind: 'Service', namespace: 'default', name: 'kubernetes' },
      type,
      reason,
      message,
      source: { component: 'lk-certificates' },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    }),
  });
  if (!response.ok) throw new Error(`recording the ${reason} event failed: ${response.status} ${await response.text()}`);
}

/** Writes a file only its owner may read, in a directory only its owner may enter. */
async function writePrivate(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFile(path, text, { mode: 0o600 });
  await chmod(path, 0o600);
}

function withHeaders(init: RequestInit | undefined, headers: Readonly<Record<string, string>>): RequestInit {
  if (Object.keys(headers).length === 0) return init ?? {};
  return { ...init, headers: { ...headers, ...Object.fromEntries(new Headers(init?.headers).entries()) } };
}
