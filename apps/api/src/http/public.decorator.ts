import { SetMetadata } from '@nestjs/common';
import type { ConclaveConfig } from '@app/config';

export const PUBLIC_ROUTE = 'conclave:public-route';

/** Whether a route is open for a given configuration (true: no key needed). */
export type PublicWhen = (config: ConclaveConfig) => boolean;

/**
 * Marks a handler or controller as open without the API key. Everything else needs the key once one is
 * configured: protection is decided by the route the request reached, never by the path's spelling
 * (Express matched `/V1/...` to `/v1/...` while a text check on the path did not). `when` lets config
 * close a public route again (metrics.requireKey).
 */
export const Public = (when: PublicWhen = () => true) => SetMetadata(PUBLIC_ROUTE, when);
