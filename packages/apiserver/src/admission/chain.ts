import type { AdmissionPlugin, AdmissionRequest } from './types.js';

/**
 * The admission chain: every plugin's `mutate` in order, then every
 * plugin's `validate` in order, as upstream runs its mutating and then its
 * validating admission. Plugins are added in upstream's order by the API
 * server as it starts (built-in ones, the host's in-process hooks, webhooks).
 */
export class AdmissionChain {
  private readonly plugins: AdmissionPlugin[] = [];

  use(...plugins: AdmissionPlugin[]): void {
    this.plugins.push(...plugins);
  }

  get names(): readonly string[] {
    return this.plugins.map((plugin) => plugin.name);
  }

  /** Runs the chain over one write; returns the warnings plugins gave. Throws what a plugin refuses with. */
  async admit(request: AdmissionRequest): Promise<string[]> {
    const warnings: string[] = [];
    for (const plugin of this.plugins) await plugin.mutate?.(request, warnings);
    for (const plugin of this.plugins) await plugin.validate?.(request, warnings);
    return warnings;
  }
}
