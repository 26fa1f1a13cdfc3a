import type { Logger } from 'pino';
import type { CompositeSchemaRegistry } from '../schema/composite.js';
import type { ApiServer } from '../server/api-server.js';
import type { ResourceHandlerServices } from '../server/resource-handler.js';
import { CrdController } from './controller.js';
import { withCustomResources } from './cr-services.js';
import type { CrdSchemaTools } from './schema-tools.js';
import { crdSchemaTools } from './schema-tools-binding.js';
import { CustomResourceServing } from './serving.js';

export { customResourceDefinitionStrategy } from './crd-strategy.js';
export { crdSchemaTools } from './schema-tools-binding.js';
export type { CrdSchemaTools } from './schema-tools.js';

export interface CustomResourceDefinitionsOptions {
  /** The server's schema registry: CR schemas are published into it. */
  readonly schemas: CompositeSchemaRegistry;
  readonly logger: Logger;
  readonly tools?: CrdSchemaTools;
}

/**
 * CustomResourceDefinitions for an ApiServer: wraps the request services so
 * custom resources decode, patch and admit as upstream's CRD handler does,
 * and (once started) runs the controller that names, establishes, serves and
 * cleans up CRDs. The CRD kind itself is a built-in resource whose strategy
 * is customResourceDefinitionStrategy.
 *
 *   const crds = new CustomResourceDefinitions({ schemas, logger });
 *   new ApiServer({ …, services: (server) => crds.services(server, builtinServices(server, …)) });
 *   …register built-ins, start caches…
 *   await crds.start();
 */
export class CustomResourceDefinitions {
  private serving: CustomResourceServing | undefined;
  private controller: CrdController | undefined;
  private readonly tools: CrdSchemaTools;

  constructor(private readonly options: CustomResourceDefinitionsOptions) {
    this.tools = options.tools ?? crdSchemaTools;
  }

  /** The services of `server`, with custom resource handling layered over `base`. */
  services(server: ApiServer, base: ResourceHandlerServices): ResourceHandlerServices {
    this.serving = new CustomResourceServing(server, this.options.schemas, this.tools, this.options.logger.child({ component: 'crd' }));
    this.controller = new CrdController(server, this.serving, this.options.logger.child({ component: 'crd-controller' }));
    const controller = this.controller;
    server.health.add('poststarthook/crd-informer-synced', async () => {
      if (!controller.hasSynced) throw new Error('not finished');
    }, ['healthz', 'livez', 'readyz']);
    server.onClose(() => controller.stop());
    return withCustomResources(base, this.serving);
  }

  /** Serves the CRDs already in the datastore, then keeps up with changes. Resolves once they are served. */
  async start(): Promise<void> {
    if (this.controller === undefined) throw new Error('CustomResourceDefinitions.services() must be called (by the ApiServer) before start()');
    await this.controller.start();
  }

  /** Resolves once the controller has nothing left to do (tests). */
  async settled(): Promise<void> {
    await this.controller?.settled();
  }
}
