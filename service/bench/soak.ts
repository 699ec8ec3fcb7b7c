import type { DeliveryRecorder } from './delivery';
import { runLoad } from './load';
import type { Layout } from './measure';
import { sampleProcess } from './proc';
import type { SoakRun } from './report';
import { startTarget } from './target';
import type { Variant } from './variants';

const SAMPLE_EVERY_MS = 10_000;

/** Holds `rate` requests/s on the variant for `minutes` and follows its RSS. */
export async function soak(
  variant: Variant,
  recorder: DeliveryRecorder,
  layout: Layout,
  rate: number,
  minutes: number,
): Promise<Omit<SoakRun, 'kind' | 'date' | 'command' | 'machine'>> {
  recorder.reset();
  const target = await startTarget(variant.target(recorder.destinations(), layout), layout.root, layout.serverCpu);
  try {
    const started = Date.now();
    const rss: SoakRun['rss'] = [];
    const sample = () => rss.push({ seconds: Math.round((Date.now() - started) / 1000), mib: sampleProcess(target.pid).rssBytes / 2 ** 20 });
    const timer = setInterval(sample, SAMPLE_EVERY_MS);
    const url = `http://127.0.0.1:${target.port}${layout.path}`;
    const load = await runLoad({ url, connections: layout.connections, durationSeconds: minutes * 60, rate });
    clearInterval(timer);
    sample();
    const atMinute1 = rss.find((s) => s.seconds >= 60) ?? rss[0];
    const atEnd = rss[rss.length - 1];
    const first = atMinute1?.mib ?? 0;
    const last = atEnd?.mib ?? 0;
    return {
      variant: variant.label,
      rate,
      minutes,
      rss,
      rssMiBAtMinute1: first,
      rssMiBAtEnd: last,
      growthPercent: first > 0 ? (100 * (last - first)) / first : 0,
      requestsPerSecond: load.requestsPerSecond,
      non2xx: load.non2xx + load.errors + load.timeouts,
    };
  } finally {
    await target.stop(30_000);
  }
}
