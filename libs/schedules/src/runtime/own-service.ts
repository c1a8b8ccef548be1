/**
 * Reads a path of this same service, for a schedule's `contextFrom.url` (already checked to be a
 * `/v1/...` path). The app provides it, since only the HTTP face knows where the service listens.
 */
export abstract class OwnService {
  /** The response body as text; throws with a message naming the status when it is not a 2xx. */
  abstract read(path: string): Promise<string>;
}
