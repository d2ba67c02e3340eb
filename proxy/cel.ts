/**
 * The CEL library (@bufbuild/cel), loaded on first use: only configurations with circuit-breaker
 * trip expressions or pub/sub routing rules pay its start-up cost.
 */
type CelModule = typeof import('@bufbuild/cel');
let loaded: CelModule | undefined;

export function cel(): CelModule {
  return (loaded ??= require('@bufbuild/cel') as CelModule);
}
