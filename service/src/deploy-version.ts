const REVISION_LENGTH = 7;

/**
 * The version a deployment is known by in traces, markers and smoke links: the package version, plus the commit
 * as SemVer build metadata when the build said which (GIT_SHA), so two builds of one package version still differ.
 * `0.1.0+abc1234`; `0.1.0` without a commit.
 */
export function deployVersion(packageVersion: string, gitSha: string | undefined): string {
  return gitSha === undefined ? packageVersion : `${packageVersion}+${gitSha.slice(0, REVISION_LENGTH)}`;
}
