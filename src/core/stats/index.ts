export { STAT_LABELS, STAT_NAMES, DELIVERY_LATENCY_BUCKETS_SECONDS, isStatName, type StatName } from './statNames';
export { statSeriesKey, parseStatSeriesKey, type ParsedStatSeries } from './statSeriesKey';
export { percentileFromBuckets, latencyBucketLabel, parseLatencyBucketLabel } from './percentileFromBuckets';
