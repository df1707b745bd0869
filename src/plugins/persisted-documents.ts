// Persisted documents (SPEC §11): operations sent by id instead of by text. Ids come from a manifest that
// `npm run codegen` writes for an app (PERSISTED_DOCUMENTS), as GraphQL-over-HTTP's `documentId` or as
// Apollo's automatic persisted queries (`extensions.persistedQuery.sha256Hash`): an unknown id answers
// PersistedQueryNotFound, the client sends the text with its id, and (outside trusted mode) the gateway
// remembers it in a bounded store so that the next request by id works. In trusted mode
// (PERSISTED_DOCUMENTS_ONLY) only the manifest's documents run, by id or by their exact text, on every
// transport: HTTP (Yoga's persisted operations plugin), graphql-ws and graphql-sse (`resolve`).
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import { GraphQLError, type GraphQLSchema, parse, validate } from 'graphql';
import { createLRUCache, type Plugin } from 'graphql-yoga';
import { ConfigError } from '../config';
import { isDocumentId, sha256Hex } from '../persisted/manifest';

export interface PersistedDocumentsOptions {
  /** The manifest: sha256 id → document text. */
  documents: ReadonlyMap<string, string>;
  /** Trusted documents: refuse every document that is not in the manifest. */
  only: boolean;
  /** Documents registered through automatic persisted queries kept at most (LRU); 0: none. */
  maxRegistered: number;
  /** `{ _service { sdl } }` stays open in trusted mode (federation composition tooling). */
  federationSdl: boolean;
}

/** Registered documents longer than this are run but not kept (real operations are far smaller). */
export const MAX_REGISTERED_DOCUMENT_CHARS = 16 * 1024;

/** The params a transport received, as far as persisted documents are concerned. */
export interface DocumentParams {
  query?: unknown;
  extensions?: unknown;
  documentId?: unknown;
}

export interface PersistedDocuments {
  plugins: Plugin[];
  /**
   * The text to run for graphql-ws and graphql-sse operations (which do not pass through Yoga's params
   * hooks): the query sent, or the document its id names; or the error that refuses them.
   */
  resolve(params: DocumentParams): string | GraphQLError;
  /** Documents kept from automatic persisted queries. */
  readonly registered: number;
}

const FEDERATION_SDL_QUERY = /^\s*(query\b\s*\w*\s*)?\{\s*_service\s*\{\s*sdl\s*\}\s*\}\s*$/;

export function persistedQueryNotFound(): GraphQLError {
  // The message and code both Apollo Client's persisted-queries link and urql's persistedExchange react to
  // (they send the document with its id next).
  return new GraphQLError('PersistedQueryNotFound', {
    extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' },
  });
}

function persistedOnly(): GraphQLError {
  return new GraphQLError(
    'This gateway runs persisted documents only (PERSISTED_DOCUMENTS_ONLY=true): send the id of a document from its manifest (documentId, or extensions.persistedQuery.sha256Hash).',
    { extensions: { code: 'PERSISTED_QUERY_ONLY' } },
  );
}

function hashMismatch(): GraphQLError {
  return new GraphQLError(
    'The document sent is not the one its id names: the id must be the sha256 (hex) of the query text.',
    { extensions: { code: 'BAD_USER_INPUT' } },
  );
}

/** The id a request names: GraphQL-over-HTTP's `documentId`, else Apollo's `extensions.persistedQuery`. */
export function documentIdOf(params: DocumentParams, url?: string): string | undefined {
  if (typeof params.documentId === 'string') return params.documentId;
  const extensions = params.extensions as {
    persistedQuery?: { version?: unknown; sha256Hash?: unknown };
  } | null;
  const persisted = extensions && typeof extensions === 'object' ? extensions.persistedQuery : undefined;
  if (persisted && typeof persisted === 'object' && typeof persisted.sha256Hash === 'string') {
    return persisted.sha256Hash;
  }
  // GET: Yoga's parser keeps only query, variables, operationName and extensions.
  if (url?.includes('documentId=')) return new URL(url).searchParams.get('documentId') ?? undefined;
  return undefined;
}

/** Checks that every manifest document is valid against the schema (a stale manifest fails at start). */
export function checkManifest(documents: ReadonlyMap<string, string>, schema: GraphQLSchema): void {
  for (const [id, text] of documents) {
    let errors: readonly GraphQLError[];
    try {
      errors = validate(schema, parse(text));
    } catch (error) {
      throw new ConfigError(
        `Invalid PERSISTED_DOCUMENTS: the document ${id} does not parse (${(error as Error).message})`,
      );
    }
    if (errors.length > 0) {
      throw new ConfigError(
        `Invalid PERSISTED_DOCUMENTS: the document ${id} does not fit this gateway's schema (${errors[0]?.message}); run npm run codegen against this version`,
      );
    }
  }
}

export function createPersistedDocuments(options: PersistedDocumentsOptions): PersistedDocuments {
  const { documents, only } = options;
  const store = createLRUCache<string>({ max: Math.max(1, options.maxRegistered) });
  const registering = !only && options.maxRegistered > 0;
  /** HTTP requests whose text only mode lets through (set by the params hook before Yoga's plugin). */
  const allowedText = new WeakSet<Request>();

  function lookup(id: string): string | undefined {
    return documents.get(id) ?? (only ? undefined : store.get(id));
  }

  /** Checks a text sent with its id and remembers it; the error when the two do not belong together. */
  function register(id: string, query: string): GraphQLError | undefined {
    if (!isDocumentId(id) || sha256Hex(query) !== id) return hashMismatch();
    if (registering && !documents.has(id) && query.length <= MAX_REGISTERED_DOCUMENT_CHARS)
      store.set(id, query);
    return undefined;
  }

  function textAllowed(query: string): boolean {
    return (
      !only || documents.has(sha256Hex(query)) || (options.federationSdl && FEDERATION_SDL_QUERY.test(query))
    );
  }

  const checkSentText: Plugin = {
    onParams({ params, request }) {
      const query = params.query;
      if (typeof query !== 'string' || query === '') return;
      const id = documentIdOf(params as DocumentParams);
      if (id !== undefined) {
        const refused = register(id, query);
        if (refused) throw refused;
      }
      if (only && textAllowed(query)) allowedText.add(request);
    },
  };

  return {
    plugins: [
      checkSentText,
      usePersistedOperations({
        getPersistedOperation: (id) => (isDocumentId(id) ? (lookup(id) ?? null) : null),
        extractPersistedOperationId: (params, request) =>
          documentIdOf(params as DocumentParams, request.url) ?? null,
        allowArbitraryOperations: only ? (request) => allowedText.has(request) : true,
        // Manifest documents were validated at start; registered ones are validated like any text.
        skipDocumentValidation: false,
        customErrors: {
          notFound: () => persistedQueryNotFound(),
          persistedQueryOnly: () => persistedOnly(),
          keyNotFound: () =>
            new GraphQLError('Must provide a query string or the id of a persisted document (documentId).', {
              extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
            }),
        },
      }) as Plugin,
    ],
    resolve(params) {
      const query = typeof params.query === 'string' && params.query !== '' ? params.query : undefined;
      const id = documentIdOf(params);
      if (query !== undefined) {
        if (id !== undefined) {
          const refused = register(id, query);
          if (refused) return refused;
        }
        return textAllowed(query) ? query : persistedOnly();
      }
      const text = id === undefined ? undefined : isDocumentId(id) ? lookup(id) : undefined;
      return text ?? persistedQueryNotFound();
    },
    get registered() {
      return store.size;
    },
  };
}
