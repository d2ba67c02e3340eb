/** All load targets in report order. Names are what --targets selects. */
import { directGrpc, directHttp } from './baselines';
import { grpcProxyTargets } from './grpc-proxies';
import { haproxyOneHop } from './haproxy';
import { nginxOneHop, nginxTwoHopsMtls } from './nginx';
import { nodeProxyTargets } from './node-proxies';
import { outriggerFullChain, outriggerGrpc, outriggerGrpcOneHop, outriggerOneHop, outriggerTwoSidecars, outriggerTwoSidecarsMtls } from './outrigger';
import type { TargetDef } from './types';

export const LOAD_TARGETS: readonly TargetDef[] = [
  directHttp,
  nginxOneHop,
  haproxyOneHop,
  nginxTwoHopsMtls,
  ...nodeProxyTargets,
  outriggerOneHop,
  outriggerFullChain,
  outriggerTwoSidecars,
  outriggerTwoSidecarsMtls,
  directGrpc,
  ...grpcProxyTargets,
  outriggerGrpcOneHop,
  outriggerGrpc,
];
