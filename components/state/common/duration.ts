/** Kept for the drivers' existing imports; the implementation lives in components/common/duration.ts. */
export { parseDurationMs } from '../../common/duration';
