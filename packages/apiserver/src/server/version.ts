/**
 * What `/version` reports. kubectl reads it (and the dispatcher on this
 * machine picks the kubectl minor version from it), so it names the upstream
 * Kubernetes version whose behaviour lk follows, with lk's own version as
 * build metadata.
 */
export interface VersionInfo {
  readonly major: string;
  readonly minor: string;
  readonly gitVersion: string;
  readonly gitCommit: string;
  readonly gitTreeState: string;
  readonly buildDate: string;
  readonly goVersion: string;
  readonly compiler: string;
  readonly platform: string;
}

export const KUBERNETES_VERSION = { major: '1', minor: '32', patch: '0' } as const;

export function versionInfo(lkVersion: string): VersionInfo {
  return {
    major: KUBERNETES_VERSION.major,
    minor: KUBERNETES_VERSION.minor,
    gitVersion: `v${KUBERNETES_VERSION.major}.${KUBERNETES_VERSION.minor}.${KUBERNETES_VERSION.patch}+lk.${lkVersion}`,
    gitCommit: 'lk',
    gitTreeState: 'clean',
    buildDate: '2026-11-22T00:00:00Z',
    goVersion: `node${process.versions.node}`,
    compiler: 'lk',
    platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
  };
}
