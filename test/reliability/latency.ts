export { measureLatencyDuring, type LatencyFigures } from '../../bench/latency';
