import { type Step, stepsPlan, type System } from './plan.js';
import type { Settings } from './settings.js';

/** Shared by the X-Ray and CloudWatch Logs reconcilers: client options and errors that say what to fix. */

/**
 * Throttling, 5xx and network errors are retried by the SDK's standard strategy (with backoff); 5 attempts ride
 * out short bursts. Without a request timeout the SDK waits on a silent endpoint for ever: 15 s per attempt keeps
 * one call within about 80 s, so the hook Job ends, and says why, before its activeDeadlineSeconds.
 */
const MAX_ATTEMPTS = 5;
const REQUEST_HANDLER = { connectionTimeout: 5_000, requestTimeout: 15_000 };

export function clientOptions(settings: Settings['aws'], endpoint: string | undefined): object {
  return {
    region: settings.region,
    maxAttempts: MAX_ATTEMPTS,
    requestHandler: REQUEST_HANDLER,
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(settings.credentials === undefined ? {} : { credentials: settings.credentials }),
  };
}

/** Why a system on AWS cannot be reached, before any call: the region is needed to know where to call. */
function awsUnavailable(settings: Settings['aws']): string | undefined {
  return settings.region === undefined ? 'AWS_REGION is not set' : undefined;
}

/** Where a system on AWS is reached, as the plan's heading shows it: the region, and the endpoint when overridden. */
function awsTarget(region: string | undefined, endpoint: string | undefined): string {
  return `${region ?? 'no region'}${endpoint === undefined ? '' : `, ${endpoint}`}`;
}

const CREDENTIAL_ERRORS = new Set([
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'ExpiredTokenException',
  'SignatureDoesNotMatch',
]);

/**
 * Resolves the client's credentials (environment, profile, IRSA...) so a missing one is reported once,
 * clearly, instead of as the first call's failure.
 */
async function checkCredentials(client: { config: { credentials: () => Promise<unknown> } }): Promise<void> {
  try {
    await client.config.credentials();
  } catch (error) {
    throw new Error(
      `no AWS credentials found (${error instanceof Error ? error.message : String(error)}): set AWS_ACCESS_KEY_ID and ` +
        'AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or run with an IAM role (IRSA on EKS)',
      { cause: error },
    );
  }
}

/**
 * A system on AWS reconciled item by item: unavailable without a region, its credentials resolved before it reads
 * anything, then one step per item that `steps` reads.
 */
export function awsSystem(
  title: string,
  endpoint: string | undefined,
  settings: Settings['aws'],
  client: { config: { credentials: () => Promise<unknown> } },
  steps: () => Promise<Step[]>,
): System {
  return {
    title,
    target: awsTarget(settings.region, endpoint),
    unavailable: awsUnavailable(settings),
    async plan() {
      await checkCredentials(client);
      return stepsPlan(await steps());
    },
  };
}

/** Runs one API call; an error names the IAM action (`xray:CreateGroup`) when permissions or credentials are at fault. */
export async function awsCall<T>(action: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new Error(describeAwsError(action, error), { cause: error });
  }
}

function describeAwsError(action: string, error: unknown): string {
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  if (CREDENTIAL_ERRORS.has(name)) return `${action} failed: AWS rejected the credentials (${name}: ${message})`;
  if (name === 'AccessDeniedException' || name === 'AccessDenied' || status === 403) {
    return `${action} was denied: the AWS credentials lack the IAM permission ${action} (${name}: ${message})`;
  }
  return `${action} failed: ${name}: ${message}`;
}
