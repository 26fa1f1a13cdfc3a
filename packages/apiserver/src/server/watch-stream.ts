import type { Logger } from 'pino';
import type { KubeObject } from '../resources/types.js';
import type { WatcherMessage } from '../watch/watch-cache.js';
import type { OutgoingResponse } from './responses.js';
import { serialize } from './responses.js';

/** The JSON of one watch event on the wire: `{"type":"ADDED","object":{…}}`. */
export interface WireEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  readonly object: unknown;
}

export interface WatchStreamOptions {
  readonly contentType: string;
  readonly format: 'json' | 'yaml';
  /** When the server ends the watch (clients then re-watch from their last resourceVersion). */
  readonly timeoutMs: number;
  /** Turns a cache message into what goes on the wire (plain object, Table row, metadata only). */
  readonly render: (message: WatcherMessage) => WireEvent;
  readonly logger: Logger;
}

/**
 * Streams watch events as a chunked response, one JSON document per line,
 * as kube-apiserver does for `?watch=true`. Writes are queued in memory and
 * flushed as the socket drains, so a slow client does not stall the cache;
 * `pending` tells the cache how far behind this client is.
 */
export class WatchStream {
  private readonly queue: WatcherMessage[] = [];
  private closed = false;
  private flushing = false;
  private readonly timer: NodeJS.Timeout;
  private readonly endListeners: (() => void)[] = [];

  constructor(
    private readonly response: OutgoingResponse,
    private readonly options: WatchStreamOptions,
  ) {
    response.statusCode = 200;
    response.setHeader('Content-Type', options.contentType);
    response.setHeader('Cache-Control', 'no-cache, private');
    // No Transfer-Encoding header: HTTP/1.1 chunks a body without a length by itself, and the
    // header is forbidden in HTTP/2, where frames carry the stream.
    // Send the headers now: clients wait for them before they consider the watch open.
    if ('flushHeaders' in response) response.flushHeaders();
    else response.writeHead(200);
    this.timer = setTimeout(() => this.end(), options.timeoutMs);
    this.timer.unref();
    response.on('close', () => this.end());
  }

  get pending(): number {
    return this.queue.length;
  }

  onEnd(listener: () => void): void {
    if (this.closed) listener();
    else this.endListeners.push(listener);
  }

  push = (message: WatcherMessage): void => {
    if (this.closed) return;
    this.queue.push(message);
    if (!this.flushing) this.flush();
  };

  /** Sends an ERROR event (a Status) and ends the stream. */
  fail(status: unknown): void {
    if (this.closed) return;
    this.write({ type: 'ERROR', object: status });
    this.end();
  }

  private flush(): void {
    this.flushing = true;
    while (this.queue.length > 0 && !this.closed) {
      const message = this.queue.shift()!;
      let event: WireEvent;
      try {
        event = this.options.render(message);
      } catch (error) {
        this.options.logger.error({ err: error }, 'could not render a watch event');
        continue;
      }
      if (!this.write(event)) {
        this.response.once('drain', () => this.flush());
        return;
      }
    }
    this.flushing = false;
  }

  private write(event: WireEvent): boolean {
    const text = this.options.format === 'yaml' ? `---\n${serialize(event, 'yaml')}` : serialize(event, 'json');
    return (this.response as { write(chunk: string): boolean }).write(text);
  }

  end = (): void => {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    this.queue.length = 0;
    if (!this.response.writableEnded) this.response.end();
    for (const listener of this.endListeners.splice(0)) listener();
  };
}

/** A plain watch event for a cache message (bookmarks carry only kind, apiVersion and resourceVersion). */
export function plainEvent(message: WatcherMessage, kind: string, apiVersion: string): WireEvent {
  if (message.kind === 'bookmark') {
    const metadata: Record<string, unknown> = { resourceVersion: String(message.revision) };
    if (message.initialEventsEnd === true) metadata['annotations'] = { 'k8s.io/initial-events-end': 'true' };
    return { type: 'BOOKMARK', object: { kind, apiVersion, metadata } };
  }
  return { type: message.type, object: message.object satisfies KubeObject };
}
