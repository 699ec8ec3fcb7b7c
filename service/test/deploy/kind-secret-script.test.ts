import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { repoRoot } from './render';

const script = path.join(repoRoot, 'k8s/kind/create-secret.sh');

/** A kubectl stand-in: logs its arguments, keeps a copy (and the mode) of the env file it is given. */
const FAKE_KUBECTL = `#!/usr/bin/env bash
printf '%s\\n' "$*" >> "$FAKE_DIR/args.log"
for arg in "$@"; do
  case $arg in
    --from-env-file=*) file=\${arg#--from-env-file=}; cp "$file" "$FAKE_DIR/env-file"; stat -c %a "$file" > "$FAKE_DIR/mode"; echo "kind: Secret" ;;
  esac
done
if [[ $* == *apply* ]]; then cat > /dev/null; echo "secret/cruddur-backend-secrets created"; fi
`;

describe('k8s/kind/create-secret.sh', () => {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'create-secret-'));
    writeFileSync(path.join(dir, 'kubectl'), FAKE_KUBECTL);
    chmodSync(path.join(dir, 'kubectl'), 0o755);
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const run = (envFile: string, extraEnv: Record<string, string>) =>
    spawnSync('bash', [script, 'dev-namespace'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, FAKE_DIR: dir, KUBECTL: path.join(dir, 'kubectl'), ENV_FILE: envFile, ...extraEnv },
    });

  it('takes keys from the environment first, then from .env, through a mode-600 file and never through arguments', () => {
    const envFile = path.join(dir, '.env');
    writeFileSync(envFile, ['# local secrets', 'ROLLBAR_ACCESS_TOKEN=from-file', 'HONEYCOMB_API_KEY="hc-key-123"', "export AWS_ACCESS_KEY_ID='AKIAFILE'", 'OTHER=ignored', ''].join('\n'));
    const result = run(envFile, { ROLLBAR_ACCESS_TOKEN: 'rb-from-env' });
    expect(result.status, result.stderr).to.equal(0);
    expect(readFileSync(path.join(dir, 'env-file'), 'utf8')).to.equal('ROLLBAR_ACCESS_TOKEN=rb-from-env\nHONEYCOMB_API_KEY=hc-key-123\nAWS_ACCESS_KEY_ID=AKIAFILE\n');
    expect(readFileSync(path.join(dir, 'mode'), 'utf8').trim()).to.equal('600');
    const args = readFileSync(path.join(dir, 'args.log'), 'utf8');
    for (const secret of ['rb-from-env', 'hc-key-123', 'AKIAFILE']) expect(args).not.to.include(secret);
    expect(args).to.include('-n dev-namespace create secret generic cruddur-backend-secrets');
    expect(result.stdout).to.include('has: ROLLBAR_ACCESS_TOKEN HONEYCOMB_API_KEY AWS_ACCESS_KEY_ID');
  });

  it('also passes HONEYCOMB_CONFIGURATION_KEY, which the observability-as-code hook reads', () => {
    const result = run(path.join(dir, 'missing.env'), { HONEYCOMB_CONFIGURATION_KEY: 'hc-config-key' });
    expect(result.status, result.stderr).to.equal(0);
    expect(readFileSync(path.join(dir, 'env-file'), 'utf8')).to.equal('HONEYCOMB_CONFIGURATION_KEY=hc-config-key\n');
    expect(readFileSync(path.join(dir, 'args.log'), 'utf8')).not.to.include('hc-config-key');
  });

  it('still creates an empty Secret when no key is set, so the deploy goes on with the features off', () => {
    const result = run(path.join(dir, 'missing.env'), {});
    expect(result.status, result.stderr).to.equal(0);
    expect(readFileSync(path.join(dir, 'env-file'), 'utf8')).to.equal('');
    expect(result.stdout).to.include('no keys');
  });
});
