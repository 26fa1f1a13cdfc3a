import type { KubeObject, StorageCodec } from '../types.js';

type Json = Record<string, unknown>;

/**
 * events.k8s.io/v1 Event fields and the core/v1 Event fields they are
 * stored as: upstream keeps both versions in one storage (/registry/events)
 * in core form and converts on the way in and out (pkg/apis/events/v1).
 */
const RENAMES: readonly (readonly [eventsV1: string, core: string])[] = [
  ['regarding', 'involvedObject'],
  ['note', 'message'],
  ['reportingController', 'reportingComponent'],
  ['deprecatedSource', 'source'],
  ['deprecatedFirstTimestamp', 'firstTimestamp'],
  ['deprecatedLastTimestamp', 'lastTimestamp'],
  ['deprecatedCount', 'count'],
];
/** Fields both versions name alike. */
const SHARED = ['metadata', 'related', 'reason', 'type', 'action', 'eventTime', 'series', 'reportingInstance'];

function convert(object: KubeObject, apiVersion: string, renames: readonly (readonly [string, string])[]): KubeObject {
  const source = object as unknown as Json;
  const result: Json = { apiVersion, kind: 'Event' };
  for (const field of SHARED) if (source[field] !== undefined) result[field] = structuredClone(source[field]);
  for (const [from, to] of renames) if (source[from] !== undefined) result[to] = structuredClone(source[from]);
  return result as unknown as KubeObject;
}

/** An events.k8s.io/v1 Event as core/v1 stores it. */
export function eventsV1ToCore(event: KubeObject): KubeObject {
  return convert(event, 'v1', RENAMES);
}

/** A stored core/v1 Event as events.k8s.io/v1 serves it. */
export function coreToEventsV1(event: KubeObject): KubeObject {
  return convert(
    event,
    'events.k8s.io/v1',
    RENAMES.map(([v1, core]) => [core, v1] as const),
  );
}

/** The storage codec of events.k8s.io/v1 Events: core/v1 on disk. */
export const eventsV1StorageCodec: StorageCodec = {
  toStorage: eventsV1ToCore,
  fromStorage: coreToEventsV1,
};
