// The Node process metrics operators use — memory, CPU, heap, event-loop lag, uptime — read at scrape time
// only. prom-client's full default set also watches every garbage collection and more handles, and cost
// several percent of throughput for figures nobody alerts on.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Gauge, type Registry } from 'prom-client';

/** A gauge read at scrape time; `read` answers undefined when there is nothing to report (no sample). */
export function sampledGauge(
  registry: Registry,
  name: string,
  help: string,
  read: () => number | undefined,
): Gauge {
  return new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      const value = read();
      if (value !== undefined) this.set(value);
    },
  });
}

export function registerProcessMetrics(registry: Registry, prefix: string): void {
  const started = Date.now() / 1000;
  // 20 ms resolution: lag worth alerting on is tens of milliseconds and more.
  const lag = monitorEventLoopDelay({ resolution: 20 });
  lag.enable();
  const gauge = (name: string, help: string, read: () => number) =>
    sampledGauge(registry, `${prefix}${name}`, help, read);
  gauge('process_resident_memory_bytes', 'Resident memory size in bytes.', () => process.memoryUsage.rss());
  gauge('nodejs_heap_size_used_bytes', 'V8 heap in use, in bytes.', () => process.memoryUsage().heapUsed);
  gauge('process_cpu_seconds_total', 'User and system CPU time spent, in seconds.', () => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1e6;
  });
  gauge(
    'process_start_time_seconds',
    'Start time of the process since the Unix epoch, in seconds.',
    () => started,
  );
  gauge(
    'nodejs_eventloop_lag_p99_seconds',
    'Event-loop delay, 99th percentile since the last scrape.',
    () => {
      const value = lag.percentile(99) / 1e9;
      return value;
    },
  );
  gauge('nodejs_eventloop_lag_max_seconds', 'Event-loop delay, maximum since the last scrape.', () => {
    const value = lag.max / 1e9;
    lag.reset(); // the last of these read at a scrape: the window starts again
    return value;
  });
}
