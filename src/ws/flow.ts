// Flow control of one WebSocket, both ways, so that no client can make the gateway buffer without bound:
// - incoming: token buckets of messages and of bytes; when one is empty the gateway stops reading the socket
//   (TCP then pushes back on the client) until it has refilled. Nothing is refused: a flood is only slowed.
// - outgoing: when what the gateway queued for the client (its `bufferedAmount`) passes the high-water
//   mark, the gateway stops reading the socket (no new operations, no more pings to answer) until the
//   queue drains; past the hard limit the client is not reading at all and the socket is cut.
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';

export interface FlowLimits {
  /** Messages a second read from one socket, on average. */
  messagesPerSecond: number;
  /** Messages read at once before the rate applies. */
  messageBurst: number;
  /** Bytes a second read from one socket, on average (the burst is `byteBurst`, at least one largest message). */
  bytesPerSecond: number;
  byteBurst: number;
  /** Bytes queued for the client above which the socket is not read until the queue drains. */
  sendHighWaterBytes: number;
  /** Bytes queued for the client above which the client is cut (it does not read). */
  maxBufferedBytes: number;
}

export interface FlowControl {
  /** Counts a message read and its size; stops reading when a bucket is empty. */
  received(bytes: number): void;
  /** Checks the send queue after a send; false when the client was cut for not reading. */
  sent(): boolean;
  /** Why reading is stopped now (empty when it is not), for tests and logs. */
  readonly pausedBy: ReadonlySet<'rate' | 'send-buffer'>;
  dispose(): void;
}

export function controlFlow(
  socket: WebSocket,
  limits: FlowLimits,
  onOverflow: (bufferedBytes: number) => void,
  now: () => number = performance.now.bind(performance),
): FlowControl {
  const pausedBy = new Set<'rate' | 'send-buffer'>();
  let tokens = limits.messageBurst;
  let byteTokens = limits.byteBurst;
  let refilledAt = now();
  let refill: NodeJS.Timeout | undefined;
  let disposed = false;

  const pause = (reason: 'rate' | 'send-buffer') => {
    if (pausedBy.size === 0) socket.pause();
    pausedBy.add(reason);
  };
  const resume = (reason: 'rate' | 'send-buffer') => {
    if (!pausedBy.delete(reason) || pausedBy.size > 0 || disposed) return;
    socket.resume();
  };
  const topUp = () => {
    const at = now();
    const seconds = (at - refilledAt) / 1000;
    tokens = Math.min(limits.messageBurst, tokens + seconds * limits.messagesPerSecond);
    byteTokens = Math.min(limits.byteBurst, byteTokens + seconds * limits.bytesPerSecond);
    refilledAt = at;
  };

  return {
    received(bytes) {
      topUp();
      tokens -= 1;
      byteTokens -= bytes;
      if ((tokens >= 1 && byteTokens >= 0) || refill) return;
      pause('rate');
      const waitMs = Math.ceil(
        Math.max((1 - tokens) / limits.messagesPerSecond, -byteTokens / limits.bytesPerSecond, 0) * 1000,
      );
      refill = setTimeout(() => {
        refill = undefined;
        topUp();
        resume('rate');
      }, waitMs);
      refill.unref();
    },
    sent() {
      const buffered = socket.bufferedAmount;
      if (buffered > limits.maxBufferedBytes) {
        onOverflow(buffered);
        return false;
      }
      if (buffered > limits.sendHighWaterBytes && !pausedBy.has('send-buffer')) {
        pause('send-buffer');
        // ws keeps the TCP socket private; its 'drain' is the one signal that the client read the queue.
        const tcp = (socket as unknown as { _socket?: Socket })._socket;
        if (tcp) tcp.once('drain', () => resume('send-buffer'));
        else resume('send-buffer');
      }
      return true;
    },
    get pausedBy() {
      return pausedBy;
    },
    dispose() {
      disposed = true;
      if (refill) clearTimeout(refill);
      refill = undefined;
    },
  };
}
