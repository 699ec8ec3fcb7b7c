import type { Segment, Subsegment } from 'aws-xray-sdk-core';

export type XRaySdk = typeof import('aws-xray-sdk-core');
/** The module the SDK's segments send through (setDaemonAddress configures it). */
export type SegmentEmitter = typeof import('aws-xray-sdk-core/dist/lib/segment_emitter');

/** What the SDK's SegmentUtils stamps on every new segment (set as the SDK loads, and by its plugins). */
interface SegmentDefaults {
  serviceData?: object;
  pluginData?: object;
  origin?: string;
  sdkData?: object;
}

/** The ids a request segment takes from its trace instead of drawing its own. */
export interface SegmentIds {
  /** `1-5759e988-bd862e3f1be46a994272793a` */
  traceId: string;
  /** The request's server span id. */
  id: string;
  /** The caller's segment or span, when it sent one. */
  parentId?: string;
  /** The sampling rule that chose the request. */
  rule?: string;
}

/** A request's segment: the SDK's Segment, whose subsegments take the ids of the spans they mirror. */
export interface RequestSegment extends Segment {
  openSubsegment(name: string, id: string): Subsegment;
}

export type RequestSegmentFactory = (name: string, ids: SegmentIds) => RequestSegment;

/** Fields the SDK keeps on segments for its own bookkeeping, left out of the document it sends. */
const BOOKKEEPING = new Set(['counter', 'notTraced', 'segment', 'parent']);

/**
 * The document the SDK sends for a (sub)segment: its own fields without the bookkeeping ones. Subsegments are
 * turned into documents here rather than through their toJSON: JSON.stringify leaves its fast path at a toJSON.
 */
function documentOf(node: object): Record<string, unknown> {
  const document: Record<string, unknown> = {};
  for (const key of Object.keys(node)) {
    if (BOOKKEEPING.has(key)) continue;
    const value: unknown = (node as Record<string, unknown>)[key];
    if (key !== 'subsegments') document[key] = value;
    else if (Array.isArray(value) && value.length > 0) document[key] = value.map((subsegment: object) => documentOf(subsegment));
  }
  return document;
}

/**
 * The SDK's Segment and Subsegment classes, less two costs the benchmark found on every request: each new
 * segment and subsegment draws random ids with crypto.randomBytes that we replace at once with
 * OpenTelemetry's, and each send copies the segment twice, walking the prototype's enumerable methods, then
 * serializes through a replacer. Here ids are given, and the same document is serialized once. Everything else
 * (annotations, metadata, http data, flags, errors, closing, the UDP emitter) is the SDK's own. Our documents
 * never hold a bigint, the one thing the SDK's replacer is there for. xray-segment.test.ts checks the documents
 * against the SDK's own classes, field for field.
 */
export function requestSegmentFactory(sdk: XRaySdk, emitter: SegmentEmitter): RequestSegmentFactory {
  const defaults = sdk.SegmentUtils as typeof sdk.SegmentUtils & SegmentDefaults;

  class RequestSubsegment extends sdk.Subsegment {
    /** The SDK's Subsegment init, but with the id left for the constructor to set. */
    init(name: string): void {
      Object.assign(this, { id: '', name, start_time: sdk.SegmentUtils.getCurrentTime(), in_progress: true, counter: 0, notTraced: false });
    }

    constructor(name: string, id: string) {
      super(name);
      this.id = id;
    }

    /** Used when the SDK sends a subsegment on its own (it streams them past 100 open ones): the same document. */
    override toJSON(): Record<string, unknown> {
      return documentOf(this);
    }
  }

  class RequestSegmentImpl extends sdk.Segment implements RequestSegment {
    /** The SDK's Segment init (its constructor calls it) without drawing random trace and segment ids. */
    init(name: string, traceId: string, parentId?: string): void {
      Object.assign(this, { trace_id: traceId, id: '', start_time: sdk.SegmentUtils.getCurrentTime(), name, in_progress: true, counter: 0 });
      if (parentId) this.parent_id = parentId;
      if (defaults.serviceData) this.setServiceData(defaults.serviceData);
      if (defaults.pluginData) this.addPluginData(defaults.pluginData);
      if (defaults.origin) this.origin = defaults.origin;
      if (defaults.sdkData) this.setSDKData(defaults.sdkData);
    }

    constructor(name: string, ids: SegmentIds) {
      super(name, ids.traceId, ids.parentId);
      this.id = ids.id;
      // setMatchedSamplingRule would deep-copy the SDK data through JSON to add the rule's name to it.
      if (ids.rule) this.setSDKData({ ...defaults.sdkData, rule_name: ids.rule });
    }

    openSubsegment(name: string, id: string): Subsegment {
      const subsegment = new RequestSubsegment(name, id);
      this.addSubsegment(subsegment);
      return subsegment;
    }

    override flush(): void {
      if (this.notTraced === true) return;
      delete (this as { exception?: unknown }).exception;
      emitter.send(this);
    }

    override format(): string {
      return JSON.stringify(documentOf(this));
    }

    /** The SDK logs `'UDP message sent: ' + segment` on every send, whatever the level: not a second serialization. */
    override toString(): string {
      return `segment ${this.id}`;
    }
  }

  return (name, ids) => new RequestSegmentImpl(name, ids);
}
