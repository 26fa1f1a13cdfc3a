import { ConfigurationError } from '@lk/core';
import { UsageError } from './args.js';
import { runCertificate } from './certificate-command.js';
import { runServer } from './server-command.js';

const USAGE = `Usage: lk <command> [flags]

Commands:
  server       run a Kubernetes control plane in this process
  certificate  rotate or check the control plane's certificates
  version      print lk's version and the Kubernetes version it serves

Run "lk <command> --help" for a command's flags.
`;

/** Runs the lk command line; resolves to the exit code. */
export async function run(argv: readonly string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'server':
        return await runServer(rest, out);
      case 'certificate':
        return await runCertificate(rest, out);
      case 'version':
        out.write('lk 0.1.0 (Kubernetes v1.32 API)\n');
        return 0;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        out.write(USAGE);
        return command === undefined ? 1 : 0;
      default:
        err.write(`lk: unknown command "${command}"\n\n${USAGE}`);
        return 2;
    }
  } catch (error) {
    if (error instanceof UsageError) {
      err.write(`lk ${command}: ${error.message}\nRun "lk ${command} --help" for usage.\n`);
      return 2;
    }
    if (error instanceof ConfigurationError) {
      err.write(`lk ${command}: ${error.message}\n`);
      return 1;
    }
    err.write(`lk ${command}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  }
}
