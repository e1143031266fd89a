// /version. The minor version selects which kubectl the PATH dispatcher runs (kubectl-protocol.md §0).
export const kubernetesVersion = { major: '1', minor: '33', gitVersion: 'v1.33.0+nanokube' };

export function versionInfo() {
  return {
    ...kubernetesVersion,
    gitCommit: 'nanokube',
    gitTreeState: 'clean',
    buildDate: '2026-01-01T00:00:00Z',
    goVersion: `node${process.versions.node}`,
    compiler: 'tsc',
    platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
  };
}
