// The supported upstream API versions and their adapters (VECTARA_API_VERSION picks one).
import type { UpstreamAdapter } from './adapter';
import { createV1Adapter } from './v1/adapter';
import { createV2Adapter } from './v2/adapter';

export const API_VERSIONS = ['v2', 'v1'] as const;
export type ApiVersion = (typeof API_VERSIONS)[number];

const ADAPTERS: Readonly<Record<ApiVersion, () => UpstreamAdapter>> = {
  v1: createV1Adapter,
  v2: createV2Adapter,
};

export function createAdapter(version: ApiVersion): UpstreamAdapter {
  return ADAPTERS[version]();
}
