// The WatchCoordinator over Redis (ioredis): a lease per loop (SET NX PX, renewed by its holder in one Lua
// step), Redis pub/sub for the news, and a short-lived "latest" key for replicas that join a running loop.
// Keys and messages hold keyed fingerprints, job ids and job payloads only — never credentials. When Redis
// cannot be reached, claim() answers `local`: every replica polls for itself (streams go on), and
// coordination resumes by itself once Redis answers again.
// "Cannot be reached" includes a Redis that holds the connection but does not answer (paused, in `DEBUG
// SLEEP`, behind a partition, failing over): every command is bounded by `commandTimeoutMs`, and once one
// fails or times out Redis is "away": claim/latest/publish/release answer at once without Redis (no poll
// loop waits on it) and one PING at a time, every `commandTimeoutMs`, looks for its return.
import { createHash, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from '../logger';
import {
  type LoopMessage,
  type LoopRole,
  reviveLoopMessage,
  toWireMessage,
  type WatchCoordinator,
  type WireLoopMessage,
} from './coordinator';

const PREFIX = 'jobs-gateway:watch:';
/** How long a loop's latest news stays readable for a replica that joins late. */
const LATEST_TTL_MS = 60_000;

// Take the lease if free, renew it if ours: 1 = ours, 0 = another replica's.
const CLAIM = `
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
if not holder then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

export interface RedisCoordinatorOptions {
  url: string;
  /** A command unanswered for this long counts as Redis away (REDIS_COMMAND_TIMEOUT_MS, default 1000). */
  commandTimeoutMs?: number;
  logger?: Logger;
  /** Told when coordination is lost or regained (metrics). */
  onChange?: (coordinated: boolean) => void;
}

export const REDIS_COMMAND_TIMEOUT_MS = 1000;

/** Thrown when Redis does not answer a command in time. */
class RedisTimeoutError extends Error {
  override name = 'RedisTimeoutError';
}

export function createRedisCoordinator(options: RedisCoordinatorOptions): WatchCoordinator {
  const replica = randomUUID();
  const timeoutMs = options.commandTimeoutMs ?? REDIS_COMMAND_TIMEOUT_MS;
  const settings = {
    // Fail fast while Redis is away (the caller falls back to local polling), reconnect in the background.
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    // A connected but silent Redis: ioredis rejects the command (and attempt() bounds it again below).
    commandTimeout: timeoutMs,
    retryStrategy: (attempt: number) => Math.min(attempt * 200, 2000),
  };
  // Commands wait for a connection that is being made (the first one at start, a reconnect) instead of
  // failing at once: bounded by timeoutMs like any other, and none are sent while Redis is away.
  const commands = new Redis(options.url, settings);
  const subscriber = new Redis(options.url, settings);
  const listeners = new Map<string, Set<(message: LoopMessage) => void>>();
  let coordinated = true;
  let closed = false;
  /** While Redis is away: the timer of the next PING that looks for its return. */
  let probe: ReturnType<typeof setTimeout> | undefined;
  // Errors surface through failed commands; without a listener ioredis would print each reconnect attempt.
  commands.on('error', () => undefined);
  subscriber.on('error', () => undefined);

  const name = (loop: string) => createHash('sha256').update(loop).digest('base64url').slice(0, 32);
  const setCoordinated = (next: boolean, reason?: string) => {
    if (next === coordinated) return;
    coordinated = next;
    options.onChange?.(next);
    if (next) {
      options.logger?.info('job watch coordination over Redis resumed');
    } else {
      options.logger?.warn(
        { reason, commandTimeoutMs: timeoutMs },
        'Redis unreachable: job watches fall back to polling on every replica',
      );
      scheduleProbe();
    }
  };
  /** One PING at a time while away; coordination resumes when it is answered. */
  const scheduleProbe = () => {
    if (probe || closed) return;
    probe = setTimeout(() => {
      void bounded(() => commands.ping()).then(
        () => {
          probe = undefined;
          setCoordinated(true);
        },
        () => {
          probe = undefined;
          if (!coordinated) scheduleProbe();
        },
      );
    }, timeoutMs);
    probe.unref?.();
  };
  /** The command's answer, or a RedisTimeoutError after timeoutMs (the late answer is dropped). */
  const bounded = <T>(work: () => Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new RedisTimeoutError('Redis did not answer in time')),
        timeoutMs,
      );
      timer.unref?.();
      work().then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  const attempt = async <T>(work: () => Promise<T>, fallback: T): Promise<T> => {
    // While away, nothing waits on Redis: the probe alone finds out when it is back.
    if (!coordinated || closed) return fallback;
    try {
      return await bounded(work);
    } catch (error) {
      const reason =
        error instanceof RedisTimeoutError || /timed out/i.test(String((error as Error)?.message))
          ? 'timeout'
          : 'error';
      setCoordinated(false, reason);
      return fallback;
    }
  };

  subscriber.on('messageBuffer', (channel: Buffer, payload: Buffer) => {
    const loop = channel.toString().slice(`${PREFIX}news:`.length);
    const handlers = listeners.get(loop);
    if (!handlers) return;
    let parsed: { from?: string; message?: WireLoopMessage };
    try {
      parsed = JSON.parse(payload.toString());
    } catch {
      return;
    }
    if (parsed.from === replica || !parsed.message) return;
    const message = reviveLoopMessage(parsed.message);
    for (const handler of handlers) handler(message);
  });

  return {
    claim: (loop, ttlMs) =>
      attempt(async () => {
        const ours = await commands.eval(
          CLAIM,
          1,
          `${PREFIX}lease:${name(loop)}`,
          replica,
          String(Math.ceil(ttlMs)),
        );
        return (ours === 1 ? 'leader' : 'follower') as LoopRole;
      }, 'local' as LoopRole),
    release: (loop) =>
      attempt(async () => {
        await commands.eval(RELEASE, 1, `${PREFIX}lease:${name(loop)}`, replica);
      }, undefined),
    publish: (loop, message) =>
      attempt(async () => {
        const text = JSON.stringify({ from: replica, message: toWireMessage(message) });
        await commands
          .multi()
          .publish(`${PREFIX}news:${name(loop)}`, text)
          .set(`${PREFIX}latest:${name(loop)}`, text, 'PX', LATEST_TTL_MS)
          .exec();
      }, undefined),
    latest: (loop) =>
      attempt(async () => {
        const text = await commands.get(`${PREFIX}latest:${name(loop)}`);
        const message = text ? (JSON.parse(text) as { message?: WireLoopMessage }).message : undefined;
        return message ? reviveLoopMessage(message) : undefined;
      }, undefined),
    listen(loop, onMessage) {
      const key = name(loop);
      let handlers = listeners.get(key);
      if (!handlers) {
        handlers = new Set();
        listeners.set(key, handlers);
        subscriber.subscribe(`${PREFIX}news:${key}`).catch(() => undefined);
      }
      handlers.add(onMessage);
      return () => {
        handlers.delete(onMessage);
        if (handlers.size === 0) {
          listeners.delete(key);
          subscriber.unsubscribe(`${PREFIX}news:${key}`).catch(() => undefined);
        }
      };
    },
    get coordinated() {
      return coordinated;
    },
    async close() {
      closed = true;
      if (probe) clearTimeout(probe);
      probe = undefined;
      commands.disconnect();
      subscriber.disconnect();
    },
  };
}
