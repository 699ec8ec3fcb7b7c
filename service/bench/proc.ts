import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** What /proc says about one process (all its threads: JIT, GC and libuv threads included). */
export interface ProcessSample {
  /** User + system CPU time since the process started. */
  cpuMicros: number;
  rssBytes: number;
}

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return ticksPerSecond;
}

/** Fields 3 onwards of /proc/<pid>/stat (index 0 is field 3, the state). */
function statFields(pid: number | 'self'): string[] {
  // The command name (field 2) may hold spaces and parentheses: the fields after it start past the last ')'.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

function micros(ticks: number): number {
  return (ticks * 1e6) / clockTicks();
}

export function sampleProcess(pid: number): ProcessSample {
  const fields = statFields(pid);
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime: fields 14 and 15 of proc(5)
  const rssKb = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return { cpuMicros: micros(ticks), rssBytes: Number(rssKb ?? 0) * 1024 };
}

/** CPU time of this process and of its children that have exited (the load generator, once it is done). */
export function sampleLoadSide(): { selfMicros: number; childrenMicros: number } {
  const fields = statFields('self');
  return {
    selfMicros: micros(Number(fields[11]) + Number(fields[12])),
    childrenMicros: micros(Number(fields[13]) + Number(fields[14])), // cutime, cstime: fields 16 and 17
  };
}

/** The CPUs this process may run on, e.g. [0, 1]. */
export function allowedCpus(): number[] {
  const list = /^Cpus_allowed_list:\s+(\S+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? '0';
  return list.split(',').flatMap((range) => {
    const [from = 0, to = from] = range.split('-').map(Number);
    return Array.from({ length: to - from + 1 }, (_, i) => from + i);
  });
}

/** 1, 5 and 15 minute load averages. */
export function loadAverage(): [number, number, number] {
  const [one = 0, five = 0, fifteen = 0] = readFileSync('/proc/loadavg', 'utf8').split(' ').map(Number);
  return [one, five, fifteen];
}

/** Datagrams the kernel dropped because a receiving socket's buffer was full (all UDP sockets of the machine). */
export function udpReceiveBufferErrors(): number {
  const [names, values] = readFileSync('/proc/net/snmp', 'utf8').split('\n').filter((line) => line.startsWith('Udp:'));
  const index = names?.split(/\s+/).indexOf('RcvbufErrors') ?? -1;
  return index < 0 ? 0 : Number(values?.split(/\s+/)[index] ?? 0);
}
