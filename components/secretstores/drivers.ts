/** Secret store drivers, registered explicitly by Dapr type name; modules load on first use. */
import type { ComponentDriver } from '../contract';
import type { SecretStore } from './contract';
import { lazyDriver } from '../lazy-driver';

export const secretStoreDrivers: ComponentDriver<SecretStore>[] = [
  lazyDriver(['secretstores.local.file'], ['v1'], () => (require('./local/local-file-store') as typeof import('./local/local-file-store')).localFileSecretDriver),
  lazyDriver(['secretstores.local.env'], ['v1'], () => (require('./local/local-env-store') as typeof import('./local/local-env-store')).localEnvSecretDriver),
];
