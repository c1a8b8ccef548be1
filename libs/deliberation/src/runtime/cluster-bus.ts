import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { CONCLAVE_CONFIG, ConclaveConfig } from '@app/config';
import { Redis } from 'ioredis';
import { DecisionMemory, type MemoryChange } from '../memory/decision-memory.service';
import { EventHub, type RelayedEvent } from './event-hub';

/** What a person asked of a deliberation running somewhere in the cluster. */
export type StopRequest = 'cancelled' | 'pause' | 'pause_now';

interface ControlMessage {
  id: string;
  stop: StopRequest;
}

/**
 * The cluster's messages between processes, over Redis pub/sub: every deliberation event (to every
 * process's EventHub, so an SSE subscriber on any API process sees every worker's events), every decision
 * stored or deleted (to every process's DecisionMemory index), and the stop
 * requests (cancel, a person's pause) for whichever worker runs the deliberation. A stop request is also
 * kept under a key until the run ends, since between two rounds no worker holds the deliberation and the
 * next one to take it must see it. Inert without `cluster.redis`.
 */
@Injectable()
export class ClusterBus implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ClusterBus.name);
  private publisher: Redis | null = null;
  private subscriber: Redis | null = null;
  private readonly stopListeners = new Set<(id: string, stop: StopRequest) => void>();

  constructor(
    @Inject(CONCLAVE_CONFIG) private readonly config: ConclaveConfig,
    private readonly hub: EventHub,
    private readonly memory: DecisionMemory,
  ) {}

  get enabled(): boolean {
    return Boolean(this.config.cluster.redis);
  }

  private channel(name: 'events' | 'control' | 'memory'): string {
    return `${this.config.cluster.prefix}:${name}`;
  }

  private stopKey(id: string): string {
    return `${this.config.cluster.prefix}:stop:${id}`;
  }

  async onModuleInit(): Promise<void> {
    const url = this.config.cluster.redis;
    if (!url) return;
    this.publisher = connect(url, this.logger);
    this.subscriber = connect(url, this.logger);
    await answering(this.publisher, url);
    await this.subscriber.subscribe(this.channel('events'), this.channel('control'), this.channel('memory'));
    this.subscriber.on('message', (channel: string, text: string) => this.onMessage(channel, text));
    this.hub.relay((event) => this.send('events', event, `a ${event.type} event of ${event.id}`));
    this.memory.share((change) => this.send('memory', change, `decision ${'added' in change ? change.added : change.removed}`));
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.subscriber?.quit(), this.publisher?.quit()].map((p) => p?.catch(() => undefined)));
  }

  /** Asks whichever worker runs (or next takes) the deliberation to stop. */
  async requestStop(id: string, stop: StopRequest): Promise<void> {
    await this.redis().set(this.stopKey(id), stop, 'EX', 24 * 3600);
    await this.redis().publish(this.channel('control'), JSON.stringify({ id, stop } satisfies ControlMessage));
  }

  /** A stop asked while no worker held the deliberation (between rounds), or null. */
  async pendingStop(id: string): Promise<StopRequest | null> {
    return (await this.redis().get(this.stopKey(id))) as StopRequest | null;
  }

  /** Once a run has ended, or before a deliberation is queued to run again. */
  async clearStop(id: string): Promise<void> {
    await this.redis().del(this.stopKey(id));
  }

  onStop(listener: (id: string, stop: StopRequest) => void): void {
    this.stopListeners.add(listener);
  }

  private send(channel: 'events' | 'memory', message: RelayedEvent | MemoryChange, what: string): void {
    this.redis()
      .publish(this.channel(channel), JSON.stringify(message))
      .catch((e: unknown) => this.logger.error({ err: e }, `could not publish ${what}`));
  }

  private onMessage(channel: string, text: string): void {
    try {
      if (channel === this.channel('events')) this.hub.receive(JSON.parse(text) as RelayedEvent);
      else if (channel === this.channel('memory')) {
        void this.memory.apply(JSON.parse(text) as MemoryChange).catch((e: unknown) => this.logger.error({ err: e }, 'could not apply a decision change'));
      } else if (channel === this.channel('control')) {
        const { id, stop } = JSON.parse(text) as ControlMessage;
        for (const listener of this.stopListeners) listener(id, stop);
      }
    } catch (e) {
      this.logger.error({ err: e }, `a message on ${channel} could not be read`);
    }
  }

  private redis(): Redis {
    if (!this.publisher) throw new Error('the cluster bus is not connected (no cluster.redis)');
    return this.publisher;
  }
}

export const START_REDIS = 'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no';

/** Start-up stops in one line when Redis does not answer, instead of waiting on it forever. */
export async function answering(redis: Redis, url: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(new Error('no answer within 5 s')), 5000);
  });
  try {
    await Promise.race([redis.ping(), timeout]);
  } catch (e) {
    redis.disconnect();
    throw new Error(
      `Redis is not answering at ${redactRedisUrl(url)} (${(e as Error).message}); start it (for example \`${START_REDIS}\`) or unset CONCLAVE_REDIS`,
    );
  } finally {
    clearTimeout(timer);
  }
}

/** A Redis URL as it may be shown: without its password. */
export function redactRedisUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, (_, auth: string) => `//${auth.includes(':') ? `${auth.split(':')[0]}:***` : '***'}@`);
}

/** One Redis connection; its errors are logged (ioredis reconnects by itself) instead of crashing the process. */
export function connect(url: string, logger: Logger): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: null });
  redis.on('error', (e: Error) => logger.error(`redis: ${e.message}`));
  return redis;
}
