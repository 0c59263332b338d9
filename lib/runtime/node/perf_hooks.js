'use strict'
// node:perf_hooks inside a thread: the global performance (now(),
// timeOrigin). PerformanceObserver, the entry classes, histograms and
// event-loop monitoring are not offered: they exist (so imports work) and
// throw ERR_NOT_AVAILABLE when constructed or called.
const { unavailable } = require('../internal/host.js')

const why = 'performance timelines and histograms are not offered inside a thread'
module.exports = {
  performance: globalThis.performance,
  Performance: unavailable('perf_hooks.Performance', why),
  PerformanceEntry: unavailable('perf_hooks.PerformanceEntry', why),
  PerformanceMark: unavailable('perf_hooks.PerformanceMark', why),
  PerformanceMeasure: unavailable('perf_hooks.PerformanceMeasure', why),
  PerformanceObserver: unavailable('perf_hooks.PerformanceObserver', why),
  PerformanceObserverEntryList: unavailable('perf_hooks.PerformanceObserverEntryList', why),
  PerformanceResourceTiming: unavailable('perf_hooks.PerformanceResourceTiming', why),
  monitorEventLoopDelay: unavailable('perf_hooks.monitorEventLoopDelay', why),
  createHistogram: unavailable('perf_hooks.createHistogram', why),
  constants: {
    NODE_PERFORMANCE_GC_MAJOR: 4,
    NODE_PERFORMANCE_GC_MINOR: 1,
    NODE_PERFORMANCE_GC_INCREMENTAL: 8,
    NODE_PERFORMANCE_GC_WEAKCB: 16,
    NODE_PERFORMANCE_GC_FLAGS_NO: 0,
    NODE_PERFORMANCE_GC_FLAGS_CONSTRUCT_RETAINED: 2,
    NODE_PERFORMANCE_GC_FLAGS_FORCED: 4,
    NODE_PERFORMANCE_GC_FLAGS_SYNCHRONOUS_PHANTOM_PROCESSING: 8,
    NODE_PERFORMANCE_GC_FLAGS_ALL_AVAILABLE_GARBAGE: 16,
    NODE_PERFORMANCE_GC_FLAGS_ALL_EXTERNAL_MEMORY: 32,
    NODE_PERFORMANCE_GC_FLAGS_SCHEDULE_IDLE: 64,
  },
}
