import { Inject, Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { CONCLAVE_CONFIG, ConclaveConfig } from '@app/config';
import { OwnService } from '@app/schedules';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A page of the service is small; a context is at most 100 000 characters anyway. */
const TIMEOUT_MS = 30_000;
/** A tick caught up at start may come before the server listens. */
const LISTEN_WAIT_MS = 10_000;

/**
 * Reads a path of this service over loopback from the port it listens on, with its own key: the only
 * host a schedule's contextFrom.url can reach.
 */
@Injectable()
export class LoopbackOwnService extends OwnService {
  constructor(
    private readonly host: HttpAdapterHost,
    @Inject(CONCLAVE_CONFIG) private readonly config: ConclaveConfig,
  ) {
    super();
  }

  async read(path: string): Promise<string> {
    const address = await this.listening();
    const host = address.family === 'IPv6' ? `[${loopbackOf(address.address, '::1')}]` : loopbackOf(address.address, '127.0.0.1');
    const key = this.config.server.apiKey;
    const res = await fetch(`http://${host}:${address.port}${path}`, {
      headers: key ? { authorization: `Bearer ${key}` } : {},
      signal: AbortSignal.timeout(TIMEOUT_MS),
      redirect: 'error',
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`GET ${path} answered ${res.status}`);
    return text;
  }

  private async listening(): Promise<AddressInfo> {
    const server = this.host.httpAdapter.getHttpServer() as Server;
    const deadline = Date.now() + LISTEN_WAIT_MS;
    while (!server.listening) {
      if (Date.now() > deadline) throw new Error('the service is not listening yet');
      await new Promise((r) => setTimeout(r, 100));
    }
    return server.address() as AddressInfo;
  }
}

/** A wildcard bind answers on loopback; a specific address is used as it is. */
function loopbackOf(address: string, loopback: string): string {
  return address === '0.0.0.0' || address === '::' ? loopback : address;
}
