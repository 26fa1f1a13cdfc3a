import { createServer, type LkServer } from '@lk/core';
import { destination, pino, type Logger } from 'pino';
import pretty from 'pino-pretty';
import { parseServerFlags, SERVER_USAGE } from './args.js';

function makeLogger(level: string, format: 'pretty' | 'json' | undefined): Logger {
  const usePretty = format === 'pretty' || (format === undefined && process.stderr.isTTY === true);
  if (usePretty) return pino({ level }, pretty({ destination: 2, colorize: process.stderr.isTTY === true, sync: true }));
  return pino({ level }, destination(2));
}

/** `lk server`: runs until Ctrl-C (SIGINT) or SIGTERM, then shuts down cleanly. */
export async function runServer(argv: readonly string[], out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const flags = parseServerFlags(argv);
  if (flags.help === true) {
    out.write(SERVER_USAGE);
    return 0;
  }
  const logger = makeLogger(flags['log-level'], flags['log-format']);
  const options: Parameters<typeof createServer>[0] = {
    logger,
    ...(flags['data-dir'] !== undefined && { dataDir: flags['data-dir'] }),
    ...(flags['datastore-endpoint'] !== undefined && { datastoreEndpoint: flags['datastore-endpoint'] }),
    ...(flags['write-kubeconfig'] !== undefined && { writeKubeconfig: flags['write-kubeconfig'] }),
    ...(flags.listen !== undefined && { listen: flags.listen }),
    ...(flags['tls-san'] !== undefined && { tlsSan: flags['tls-san'].flatMap((names) => names.split(',')).map((name) => name.trim()).filter((name) => name !== '') }),
  };
  const server: LkServer = await createServer(options);
  const kubeconfigFlag = server.kubeconfigPath === undefined ? '' : ` --kubeconfig ${server.kubeconfigPath}`;
  out.write(
    [
      `lk control plane is running at ${server.url}`,
      server.kubeconfigPath === undefined ? '' : `  kubeconfig: ${server.kubeconfigPath}`,
      `  try:        kubectl${kubeconfigFlag} get namespaces`,
      server.kubeconfigPath === undefined ? '' : `  or:         export KUBECONFIG=${server.kubeconfigPath}`,
      'Press Ctrl-C to stop.',
      '',
    ]
      .filter((line, index, lines) => line !== '' || index === lines.length - 1)
      .join('\n'),
  );
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) {
        logger.warn({ signal }, 'second signal: exiting now');
        process.exit(1);
      }
      stopping = true;
      logger.info({ signal }, 'shutting down');
      server.close().then(
        () => resolve(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          resolve(1);
        },
      );
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}
