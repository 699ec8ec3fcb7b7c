import type { HoneycombClient, Marker, MarkerInput } from './honeycomb-client.js';
import type { Settings } from './settings.js';

/**
 * The Honeycomb deploy marker of a rollout: what it says, and creating it once per revision. The API has no
 * GET of one marker and no way to name one, so the dataset's list is searched for a deploy marker with the
 * same message, which holds the version and the revision.
 */

export const MARKER_TYPE = 'deploy';

/** The marker for this version; `nowMs` is when the rollout ends (the marker's time, in Unix seconds). */
export function deployMarker(serviceName: string, deploy: Settings['deploy'], nowMs: number): MarkerInput {
  const { version, revision, sourceUrl } = deploy;
  return {
    type: MARKER_TYPE,
    message: revision === undefined ? `deploy ${serviceName} ${version}` : `deploy ${serviceName} ${version} (revision ${revision})`,
    ...(revision === undefined ? {} : { url: `${sourceUrl}/commit/${revision}` }),
    start_time: Math.floor(nowMs / 1000),
  };
}

export type MarkerResult = { status: 'created'; marker: Marker } | { status: 'present'; marker: Marker };

/** Creates the marker unless the dataset already has a deploy marker with its message. */
export async function ensureMarker(client: HoneycombClient, dataset: string, marker: MarkerInput): Promise<MarkerResult> {
  const present = (await client.listMarkers(dataset)).find((m) => m.type === marker.type && m.message === marker.message);
  if (present) return { status: 'present', marker: present };
  return { status: 'created', marker: await client.createMarker(dataset, marker) };
}
