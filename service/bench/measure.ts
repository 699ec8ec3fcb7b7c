import { type Delivery, type DeliveryRecorder, deadDestinations } from './delivery';
import { runLoad, type LoadResult } from './load';
import { loadAverage, sampleLoadSide, sampleProcess, udpReceiveBufferErrors } from './proc';
import { startTarget } from './target';
import type { Variant } from './variants';

export interface Layout {
  root: string;
  /** CPU the server is pinned to; the harness and load generator run on another. Unset: no pinning. */
  serverCpu: number | undefined;
  connections: number;
  warmupSeconds: number;
  durationSeconds: number;
  path: string;
  /** NODE_OPTIONS of the service variants: the chart's heap caps unless --node-options says otherwise. */
  nodeOptions: string;
}

export interface DeliveryRatios extends Delivery {
  /** Every request the server received: warm-up and measured, answered or in flight when the load stopped. */
  requestsSent: number;
  spansPerRequest: number;
  /** Requests with at least one span ÷ requests. */
  tracedFraction: number;
  segmentsPerRequest: number;
  logEventsPerRequest: number;
  /** Datagrams the kernel dropped at a full receive buffer during the variant: segments lost by the stand-in, not the service. */
  udpDroppedAtReceiver: number;
}

export interface VariantResult {
  id: Variant['id'];
  label: string;
  command: string;
  load: LoadResult;
  warmupRequests: number;
  rssMiB: number;
  cpuMicrosPerRequest: number;
  /** Busy share of the load-generating CPU (autocannon + this harness with the stand-ins); near 100%: load-bound. */
  loadSideCpuPercent: number;
  loadAverage: { before: number; after: number };
  delivery: DeliveryRatios | undefined;
}

const STOP_TIMEOUT_MS = 30_000;
/** After the process exits, datagrams and the last requests may still sit in the stand-ins' sockets. */
const SETTLE_MS = 500;

/** Starts the variant, warms it up, measures one load run, then stops it (which flushes its telemetry) and counts delivery. */
export async function measureVariant(variant: Variant, recorder: DeliveryRecorder, layout: Layout): Promise<VariantResult> {
  const destinations = variant.backendsDown ? await deadDestinations() : recorder.destinations();
  const spec = variant.target(destinations, layout);
  recorder.reset();
  const loadBefore = loadAverage()[0];
  const udpDrops = udpReceiveBufferErrors();
  const target = await startTarget(spec, layout.root, layout.serverCpu);
  try {
    const url = `http://127.0.0.1:${target.port}${layout.path}`;
    const warmup = await runLoad({ url, connections: layout.connections, durationSeconds: layout.warmupSeconds });
    const server0 = sampleProcess(target.pid);
    const side0 = sampleLoadSide();
    const load = await runLoad({ url, connections: layout.connections, durationSeconds: layout.durationSeconds });
    const server1 = sampleProcess(target.pid);
    const side1 = sampleLoadSide();
    await target.stop(STOP_TIMEOUT_MS);
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));

    const sideMicros = side1.selfMicros - side0.selfMicros + (side1.childrenMicros - side0.childrenMicros);
    const requestsSent = warmup.sent + load.sent;
    return {
      id: variant.id,
      label: variant.label,
      command: `node ${spec.args.join(' ')}`,
      load,
      warmupRequests: warmup.sent,
      rssMiB: server1.rssBytes / 2 ** 20,
      cpuMicrosPerRequest: (server1.cpuMicros - server0.cpuMicros) / load.requests,
      loadSideCpuPercent: (100 * sideMicros) / (load.durationSeconds * 1e6),
      loadAverage: { before: loadBefore, after: loadAverage()[0] },
      delivery: variant.delivers ? ratios(recorder.delivery(), requestsSent, udpReceiveBufferErrors() - udpDrops) : undefined,
    };
  } finally {
    await target.stop(STOP_TIMEOUT_MS);
  }
}

function ratios(delivery: Delivery, requestsSent: number, udpDroppedAtReceiver: number): DeliveryRatios {
  return {
    ...delivery,
    udpDroppedAtReceiver,
    requestsSent,
    spansPerRequest: delivery.spans / requestsSent,
    tracedFraction: delivery.spanTraces / requestsSent,
    segmentsPerRequest: delivery.segments / requestsSent,
    logEventsPerRequest: delivery.logEvents / requestsSent,
  };
}
