// The gateway's configuration: every environment variable is parsed and validated here, once, and this is
// the only file that reads process.env. A bad value stops the process with one line naming the variable.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv as parseDotEnv } from 'node:util';
import { z } from 'zod';
import { readManifests } from './persisted/manifest';
import { LIMITS } from './plugins/limits';
import { API_VERSIONS, type ApiVersion } from './upstream/versions';

const integer = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, `must be a whole number between ${min} and ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

const boolean = z
  .string()
  .trim()
  .toLowerCase()
  .refine((value) => ['true', 'false', '1', '0', 'yes', 'no'].includes(value), 'must be true or false')
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const httpUrl = z
  .string()
  .trim()
  .refine((value) => {
    try {
      const url = new URL(value);
      return url.protocol === 'http:' || url.protocol === 'https:';
    } catch {
      return false;
    }
  }, 'must be an http(s) URL such as https://api.vectara.io')
  .transform((value) => value.replace(/\/+$/, ''));

const envSchema = z.object({
  PORT: integer(0, 65535).default(4000),
  HOST: z.string().trim().min(1, 'must not be empty').default('0.0.0.0'),
  VECTARA_API_URL: httpUrl.default('https://api.vectara.io'),
  VECTARA_API_VERSION: z.enum(API_VERSIONS, { message: 'must be v2 (the live API) or v1' }).default('v2'),
  VECTARA_CUSTOMER_ID: z.string().trim().regex(/^\d+$/, 'must be the numeric Vectara customer id').optional(),
  UPSTREAM_TIMEOUT_MS: integer(1, 600_000).default(30_000),
  UPSTREAM_RETRIES: integer(0, 10).default(2),
  JOB_POLL_INTERVAL_MS: integer(10, 3_600_000).default(2000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // Defaults depend on NODE_ENV (off in production): see loadConfig.
  GRAPHIQL: boolean.optional(),
  INTROSPECTION: boolean.optional(),
  // `_service { sdl }` for federation tooling; on in every mode (docs/federation.md says why).
  FEDERATION_SDL: boolean.default(true),
  CORS_ORIGINS: z
    .string()
    .trim()
    .transform((value) =>
      value
        .split(',')
        .map((origin) => origin.trim())
        .filter(Boolean),
    )
    .refine(
      (origins) => origins.every((origin) => origin === '*' || /^https?:\/\/[^/\s]+$/.test(origin)),
      'must be a comma-separated list of origins such as https://app.example.com (scheme and host, no path), or *',
    )
    .optional(),
  CORS_ALLOW_HEADERS: z
    .string()
    .trim()
    .toLowerCase()
    .transform((value) =>
      value
        .split(',')
        .map((name) => name.trim())
        .filter(Boolean),
    )
    .refine(
      (names) => names.every((name) => /^[a-z0-9!#$%&'*+.^_`|~-]{1,64}$/.test(name)),
      'must be a comma-separated list of header names such as x-tenant,sentry-trace (letters, digits, - and the other token characters, at most 64 each)',
    )
    .refine((names) => names.length <= 50, 'must name at most 50 headers')
    .optional(),
  PERSISTED_DOCUMENTS: z
    .string()
    .trim()
    .transform((value) =>
      value
        .split(',')
        .map((path) => path.trim())
        .filter(Boolean),
    )
    .optional(),
  PERSISTED_DOCUMENTS_ONLY: boolean.default(false),
  PERSISTED_QUERIES_MAX: integer(0, 100_000).default(1000),
  UPSTREAM_CONCURRENCY_PER_CREDENTIAL: integer(1, 128).default(32),
  RESPONSE_CACHE_TTL_MS: integer(0, 60_000).default(0),
  UPSTREAM_CALL_SHARING: boolean.default(true),
  SUBSCRIPTIONS_PER_CREDENTIAL: integer(1, 100_000).default(50),
  SUBSCRIPTIONS_MAX: integer(1, 1_000_000).default(5000),
  WS_MAX_CONNECTIONS: integer(1, 1_000_000).default(2000),
  WS_MAX_CONNECTIONS_PER_CREDENTIAL: integer(1, 1_000_000).default(200),
  WS_MAX_OPERATIONS_PER_CONNECTION: integer(1, 10_000).default(50),
  WS_CREDENTIALS_PER_OPERATION: boolean.default(false),
  BREAKER_WINDOW: integer(1, 10_000).default(20),
  BREAKER_MIN_CALLS: integer(1, 10_000).default(10),
  BREAKER_FAILURE_PERCENT: integer(1, 100).default(50),
  BREAKER_OPEN_MS: integer(100, 3_600_000).default(5000),
  BREAKER_MIN_TENANTS: integer(1, 1000).default(2),
  HTTP_REQUEST_TIMEOUT_MS: integer(1000, 3_600_000).default(30_000),
  HTTP_HEADERS_TIMEOUT_MS: integer(1000, 600_000).default(10_000),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: integer(100, 600_000).default(5000),
  // Default depends on NODE_ENV (5000 in production, else 0): see loadConfig.
  SHUTDOWN_DELAY_MS: integer(0, 600_000).optional(),
  SHUTDOWN_TIMEOUT_MS: integer(100, 600_000).default(10_000),
  CURSOR_SECRET: z.string().min(32, 'must be at least 32 characters (e.g. openssl rand -hex 32)').optional(),
  REDIS_URL: z
    .string()
    .trim()
    .refine((value) => /^rediss?:\/\/\S+$/.test(value), 'must be a redis:// or rediss:// URL')
    .optional(),
  REDIS_COMMAND_TIMEOUT_MS: integer(50, 60_000).default(1000),
  OTEL_EXPORTER_OTLP_ENDPOINT: httpUrl.optional(),
  OTEL_SERVICE_NAME: z.string().trim().min(1).max(100).default('jobs-gateway'),
  REQUIRE_CURSOR_SECRET: boolean.default(false),
  NODE_ENV: z
    .enum(['development', 'production', 'test'], { message: 'must be development, production or test' })
    .default('development'),
});

export interface Config {
  port: number;
  host: string;
  vectaraApiUrl: string;
  /** The upstream API version spoken: v2 (default, the live API) or v1. */
  apiVersion: ApiVersion;
  vectaraCustomerId: string | undefined;
  upstreamTimeoutMs: number;
  upstreamRetries: number;
  jobPollIntervalMs: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  graphiql: boolean;
  introspection: boolean;
  /** `_service { sdl }` answers (FEDERATION_SDL, default true even in production: the SDL is the published contract). */
  federationSdl: boolean;
  /** Browser origins allowed to call the gateway (CORS, never with credentials); empty: CORS off. */
  corsOrigins: string[];
  /** Request headers allowed cross-origin besides the defaults (x-api-key, authorization, tracing, …). */
  corsAllowHeaders: string[];
  /**
   * Persisted documents: the manifests' documents by sha256 id, trusted mode (only those run), and how many
   * documents automatic persisted queries may register.
   */
  persistedDocuments: { documents: Map<string, string>; only: boolean; maxRegistered: number };
  /** Reuse of an upstream answer per credential, in ms (0: off; identical calls in flight are shared anyway). */
  responseCacheTtlMs: number;
  /** Identical upstream calls of one credential in flight share one call (UPSTREAM_CALL_SHARING). */
  shareCallsInFlight: boolean;
  /** Upstream calls of one credential at once (the socket pool holds 128). */
  upstreamConcurrencyPerCredential: number;
  subscriptions: { perCredential: number; total: number };
  /** graphql-ws bounds (ws.ts): sockets in all and per credential value, operations at once per socket. */
  websocket: {
    maxConnections: number;
    maxConnectionsPerCredential: number;
    maxOperationsPerConnection: number;
    /** Acknowledge sockets without credentials; operations bring theirs in extensions.headers (routers). */
    credentialsPerOperation: boolean;
  };
  breaker: {
    windowSize: number;
    minimumCalls: number;
    failureRatio: number;
    openMs: number;
    minimumTenants: number;
  };
  http: { requestTimeoutMs: number; headersTimeoutMs: number; keepAliveTimeoutMs: number };
  /**
   * Graceful shutdown (lifecycle.ts): how long to keep serving after SIGTERM/SIGINT while /ready says 503
   * (load balancers stop sending meanwhile), then how long in-flight requests may take to finish.
   */
  shutdown: { delayMs: number; timeoutMs: number };
  /** Keys cursor tags and credential fingerprints; set the same value on every replica. */
  cursorSecret: string | undefined;
  production: boolean;
  /** Redis for fleet-wide job watching (one poll per job and credential across replicas). */
  redisUrl: string | undefined;
  /** A Redis command unanswered for this long means Redis is away: every replica polls for itself. */
  redisCommandTimeoutMs: number;
  /** OpenTelemetry tracing over OTLP/HTTP, on when the endpoint is set. */
  otel: { endpoint: string; serviceName: string } | undefined;
  /** Problems worth a warning at start (not fatal), e.g. no CURSOR_SECRET. */
  warnings: string[];
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const SECRET_VARIABLES = new Set(['CURSOR_SECRET', 'REDIS_URL']);

function parseEnv<T extends z.ZodType>(schema: T, env: Record<string, string | undefined>): z.output<T> {
  // An empty variable means "unset", as in most shells' `VAR= cmd`.
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = schema.safeParse(present);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const variable = String(issue?.path[0] ?? 'environment');
  // Secrets are never repeated back, not even in an error.
  const shown =
    present[variable] === undefined || SECRET_VARIABLES.has(variable)
      ? ''
      : ` (${JSON.stringify(present[variable])})`;
  throw new ConfigError(`Invalid ${variable}${shown}: ${issue?.message ?? 'invalid value'}`);
}

const NO_CURSOR_SECRET =
  'CURSOR_SECRET is not set: cursors and shared polls use a random per-process key, so a cursor from one replica (or from before a restart) is "Invalid cursor" on another. Set the same CURSOR_SECRET (e.g. openssl rand -hex 32) on every replica.';

function cursorSecretWarnings(secret: string | undefined, required: boolean): string[] {
  if (secret !== undefined) return [];
  if (required) {
    throw new ConfigError(
      'Invalid CURSOR_SECRET: required (REQUIRE_CURSOR_SECRET=true, or REDIS_URL set: replicas must share one) but not set',
    );
  }
  return [NO_CURSOR_SECRET];
}

function persistedDocumentsFrom(
  paths: string[],
  only: boolean,
  maxRegistered: number,
): Config['persistedDocuments'] {
  if (only && paths.length === 0) {
    throw new ConfigError(
      'Invalid PERSISTED_DOCUMENTS_ONLY: trusted mode needs the manifest of the documents to accept (PERSISTED_DOCUMENTS=path/to/persisted-documents.json)',
    );
  }
  try {
    return { documents: readManifests(paths, LIMITS.maxDocumentChars), only, maxRegistered };
  } catch (error) {
    throw new ConfigError(`Invalid PERSISTED_DOCUMENTS: ${(error as Error).message}`);
  }
}

/** Parses an environment (default: process.env); throws ConfigError with a one-line message on a bad value. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const e = parseEnv(envSchema, env);
  return {
    port: e.PORT,
    host: e.HOST,
    vectaraApiUrl: e.VECTARA_API_URL,
    apiVersion: e.VECTARA_API_VERSION,
    vectaraCustomerId: e.VECTARA_CUSTOMER_ID,
    upstreamTimeoutMs: e.UPSTREAM_TIMEOUT_MS,
    upstreamRetries: e.UPSTREAM_RETRIES,
    jobPollIntervalMs: e.JOB_POLL_INTERVAL_MS,
    logLevel: e.LOG_LEVEL,
    // Production hides the schema unless asked: no GraphiQL, no introspection, no field suggestions.
    graphiql: e.GRAPHIQL ?? e.NODE_ENV !== 'production',
    introspection: e.INTROSPECTION ?? e.NODE_ENV !== 'production',
    federationSdl: e.FEDERATION_SDL,
    corsOrigins: e.CORS_ORIGINS ?? [],
    corsAllowHeaders: e.CORS_ALLOW_HEADERS ?? [],
    persistedDocuments: persistedDocumentsFrom(
      e.PERSISTED_DOCUMENTS ?? [],
      e.PERSISTED_DOCUMENTS_ONLY,
      e.PERSISTED_QUERIES_MAX,
    ),
    upstreamConcurrencyPerCredential: e.UPSTREAM_CONCURRENCY_PER_CREDENTIAL,
    responseCacheTtlMs: e.RESPONSE_CACHE_TTL_MS,
    shareCallsInFlight: e.UPSTREAM_CALL_SHARING,
    subscriptions: { perCredential: e.SUBSCRIPTIONS_PER_CREDENTIAL, total: e.SUBSCRIPTIONS_MAX },
    websocket: {
      maxConnections: e.WS_MAX_CONNECTIONS,
      maxConnectionsPerCredential: e.WS_MAX_CONNECTIONS_PER_CREDENTIAL,
      maxOperationsPerConnection: e.WS_MAX_OPERATIONS_PER_CONNECTION,
      credentialsPerOperation: e.WS_CREDENTIALS_PER_OPERATION,
    },
    breaker: {
      windowSize: e.BREAKER_WINDOW,
      minimumCalls: e.BREAKER_MIN_CALLS,
      failureRatio: e.BREAKER_FAILURE_PERCENT / 100,
      openMs: e.BREAKER_OPEN_MS,
      minimumTenants: e.BREAKER_MIN_TENANTS,
    },
    http: {
      requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS,
      headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_MS,
      keepAliveTimeoutMs: e.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    },
    shutdown: {
      delayMs: e.SHUTDOWN_DELAY_MS ?? (e.NODE_ENV === 'production' ? 5000 : 0),
      timeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    },
    cursorSecret: e.CURSOR_SECRET,
    production: e.NODE_ENV === 'production',
    redisUrl: e.REDIS_URL,
    redisCommandTimeoutMs: e.REDIS_COMMAND_TIMEOUT_MS,
    otel: e.OTEL_EXPORTER_OTLP_ENDPOINT
      ? { endpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT, serviceName: e.OTEL_SERVICE_NAME }
      : undefined,
    // Replicas that share polls must share one fingerprint space: REDIS_URL makes CURSOR_SECRET required.
    warnings: cursorSecretWarnings(e.CURSOR_SECRET, e.REQUIRE_CURSOR_SECRET || e.REDIS_URL !== undefined),
  };
}

/** What loadDotEnv read: the file and the names of the variables it set (never their values). */
export interface DotEnvRead {
  path: string;
  applied: string[];
  /** Names the file has that the environment already set (the environment wins). */
  overridden: string[];
}

/** A line of a .env file that is neither blank, a comment, nor `NAME=value` (optionally `export NAME=…`). */
const DOT_ENV_ASSIGNMENT = /^\s*(?:export\s+)?[A-Za-z_][A-Za-z0-9_.-]*\s*=/;

/**
 * Reads `.env` from the working directory (SPEC §6) into the environment: variables already set win. No
 * file: nothing happens (undefined). A file that cannot be read or has a line that is not `NAME=value`
 * throws ConfigError naming the line number (never its content: it may hold a secret).
 */
export function loadDotEnv(
  path = resolve('.env'),
  env: Record<string, string | undefined> = process.env,
): DotEnvRead | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return undefined;
    throw new ConfigError(
      `Invalid .env (${path}): cannot be read (${(error as { code?: string }).code ?? 'error'})`,
    );
  }
  checkDotEnvLines(text, path);
  const applied: string[] = [];
  const overridden: string[] = [];
  for (const [name, value] of Object.entries(parseDotEnv(text))) {
    if (value === undefined) continue;
    if (env[name] !== undefined) overridden.push(name);
    else {
      env[name] = value;
      applied.push(name);
    }
  }
  return { path, applied: applied.sort(), overridden: overridden.sort() };
}

/** util.parseEnv skips what it cannot read; a typo in a .env must stop the start instead. */
function checkDotEnvLines(text: string, path: string): void {
  const lines = text.split(/\r?\n/);
  let openQuote: string | undefined;
  for (const [index, line] of lines.entries()) {
    if (openQuote) {
      // Inside a multi-line quoted value: it ends at the line holding the closing quote.
      if (line.includes(openQuote)) openQuote = undefined;
      continue;
    }
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    if (!DOT_ENV_ASSIGNMENT.test(line)) {
      throw new ConfigError(
        `Invalid .env (${path}): line ${index + 1} is not NAME=value (a comment starts with #)`,
      );
    }
    const value = line.slice(line.indexOf('=') + 1).trim();
    const quote = value[0];
    if ((quote === '"' || quote === "'" || quote === '`') && !value.slice(1).includes(quote)) {
      openQuote = quote;
    }
  }
  if (openQuote) throw new ConfigError(`Invalid .env (${path}): a quoted value is never closed`);
}

/** For launchers: the loaded config, or a one-line message on stderr and exit code 2. */
export function loadOrExit<T>(load: () => T): T {
  try {
    return load();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`jobs-gateway: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}

const simulatorSchema = z.object({
  SIMULATOR_PORT: integer(0, 65535).default(4010),
  SIMULATOR_HOST: z.string().trim().min(1, 'must not be empty').default('127.0.0.1'),
  SIMULATOR_LATENCY_MS: integer(0, 600_000).default(0),
});

/** Simulator launcher settings; parsed here so that this stays the one file reading the environment. */
export function loadSimulatorConfig(env: Record<string, string | undefined> = process.env): {
  port: number;
  host: string;
  latencyMs: number;
} {
  const e = parseEnv(simulatorSchema, env);
  return { port: e.SIMULATOR_PORT, host: e.SIMULATOR_HOST, latencyMs: e.SIMULATOR_LATENCY_MS };
}

/** Every variable the gateway and the simulator read (documented in .env.example; a test keeps them in step). */
export const ENV_VARIABLES: readonly string[] = [
  ...Object.keys(envSchema.shape),
  ...Object.keys(simulatorSchema.shape),
];
