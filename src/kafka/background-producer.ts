/**
 * A producer that connects in the background and keeps trying, for a process whose main work needs
 * no Kafka: the review page reads Redis, and only an analyst's confirmation sends anything. The
 * process serves at once; a send before Kafka answers fails with KAFKA_UNAVAILABLE (a 503 that says
 * so) instead of the whole page being down with Kafka. A send never waits for the connection: the
 * analyst is told now, and confirms again once Kafka is back.
 */
import { FarmwatchError } from '../errors/farmwatch-error.ts';
import { errorFields, type Logger } from '../logging/logger.ts';
import type { MessageProducer, OutboundMessage } from './port.ts';

export interface BackgroundProducerOptions {
  /** Creates the topics it needs and returns a connected producer; throws while Kafka is away. */
  readonly open: () => Promise<MessageProducer>;
  readonly log: Logger;
  readonly retryDelayMs?: { readonly min: number; readonly max: number };
}

export class BackgroundProducer implements MessageProducer {
  private inner: MessageProducer | null = null;
  private stopped = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;

  constructor(private readonly opts: BackgroundProducerOptions) {}

  /** Starts connecting and returns at once. */
  async connect(): Promise<void> {
    this.loop ??= this.keepTrying();
  }

  isConnected(): boolean {
    return this.inner !== null;
  }

  async send(topic: string, messages: readonly OutboundMessage[]): Promise<void> {
    if (this.inner === null)
      throw new FarmwatchError(
        'KAFKA_UNAVAILABLE',
        'Kafka is unavailable, so verification requests cannot be sent: nothing was recorded; confirm again ' +
          'once it is back',
      );
    await this.inner.send(topic, messages);
  }

  /** Does not wait for a connection attempt under way: that one disconnects when it returns. */
  async disconnect(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    const inner = this.inner;
    this.inner = null;
    await inner?.disconnect();
  }

  private async keepTrying(): Promise<void> {
    const delays = this.opts.retryDelayMs ?? { min: 1_000, max: 30_000 };
    let delay = delays.min;
    for (let attempt = 1; !this.stopped; attempt++) {
      try {
        const producer = await this.opts.open();
        if (this.stopped) {
          await producer.disconnect();
          return;
        }
        this.inner = producer;
        if (attempt > 1) this.opts.log.info('kafka is reachable; verification requests can be sent');
        return;
      } catch (err) {
        if (attempt === 1)
          this.opts.log.warn('kafka is unreachable: serving read-only until it answers (confirming answers 503)', {
            ...errorFields(err),
          });
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, delay);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      delay = Math.min(delay * 2, delays.max);
    }
  }
}
