import { ConfigError, type Env } from '../config.js';
import { deployMarker, ensureMarker } from './deploy-marker.js';
import { EXIT } from './exit-codes.js';
import { HoneycombClient } from './honeycomb-client.js';
import { errorMessage } from './plan.js';
import { loadSettings } from './settings.js';

export interface MarkerOptions {
  env: Env;
  /** Exit 0 whatever happens, after saying what did: for the chart's hook, which must never fail a rollout. */
  bestEffort: boolean;
  write: (text: string) => void;
  /** Default Date.now. */
  now?: () => number;
}

/**
 * Few attempts and short timeouts, so that the hook Job ends, successfully, well before its deadline
 * even when Honeycomb rate limits or does not answer.
 */
const CLIENT_LIMITS = { maxAttempts: 2, maxDelayMs: 5_000, requestTimeoutMs: 10_000 };

/** `marker`: the deploy marker of this version in the service's dataset, created once per revision. */
export async function runMarker(options: MarkerOptions): Promise<number> {
  // Even an error of our own is a message, not a crash, so that --best-effort holds whatever happens.
  const [code, text] = await markerOutcome(options).catch((error: unknown): [number, string] => [EXIT.failed, `No deploy marker was created: ${errorMessage(error)}`]);
  options.write(`${text}\n`);
  if (code === EXIT.ok || !options.bestEffort) return code;
  options.write('--best-effort: exiting 0 so the rollout goes on.\n');
  return EXIT.ok;
}

async function markerOutcome(options: MarkerOptions): Promise<[number, string]> {
  let settings;
  try {
    settings = loadSettings(options.env);
  } catch (error) {
    if (error instanceof ConfigError) return [EXIT.invalid, `${error.message}\nNo deploy marker was created.`];
    throw error;
  }
  const { names, deploy, honeycomb } = settings;
  if (honeycomb.configurationKey === undefined) {
    return [EXIT.failed, 'No deploy marker was created: HONEYCOMB_CONFIGURATION_KEY is not set (a configuration key with the "Manage Markers" permission).'];
  }
  const client = new HoneycombClient({ apiUrl: honeycomb.apiUrl, configurationKey: honeycomb.configurationKey, ...CLIENT_LIMITS });
  const marker = deployMarker(names.serviceName, deploy, (options.now ?? Date.now)());
  try {
    const result = await ensureMarker(client, names.dataset, marker);
    return result.status === 'created'
      ? [EXIT.ok, `Deploy marker created in Honeycomb dataset ${names.dataset}: "${marker.message}" (id ${result.marker.id}).`]
      : [EXIT.ok, `Honeycomb dataset ${names.dataset} already has the deploy marker "${marker.message}" (id ${result.marker.id}): nothing to do.`];
  } catch (error) {
    return [EXIT.failed, `No deploy marker was created: ${errorMessage(error)}.`];
  }
}
