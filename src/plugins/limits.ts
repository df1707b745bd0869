// Operation limits and web safety (SPEC §9): graphql-armor rules against large documents, the request
// budget (cost with variables, upstream calls, list sizes: budget.ts), CSRF
// prevention, and optional introspection/suggestion hiding for production (production-surface.ts).
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import type { Plugin } from 'graphql-yoga';
import { BUDGET, budgetError, useRequestBudget } from './budget';
import { useCredentialsBeforeCSRF } from './credentials-first';
import { useHiddenSchema, useKnownOperationTypes } from './production-surface';

/** The limits, exported so tests can probe each one at limit and limit+1. */
export const LIMITS = {
  /** Deepest legitimate path: _entities → Corpus.jobs → edges → node → corpora → jobs → edges → node → field. */
  maxDepth: 12,
  maxAliases: 20,
  maxTokens: 2000,
  /** Response fields at most, counted with `first` from literals, variables and defaults (budget.ts). */
  maxCost: BUDGET.maxCost,
  maxDirectives: 20,
  /**
   * Characters of one GraphQL document. 2,000 tokens of ordinary names fit many times over; what this stops
   * is a document of a few huge tokens (a 900 kB operation name is one token), which the token limit lets
   * through and which costs its size several times over while it is parsed.
   */
  maxDocumentChars: 100_000,
  /** Request body bytes; larger bodies get HTTP 413. */
  maxBodyBytes: 1024 * 1024,
} as const;

/** Any of these makes a browser preflight the request, which is what CSRF prevention needs. */
const PREFLIGHT_HEADERS = [
  'x-graphql-yoga-csrf',
  'apollo-require-preflight',
  'x-api-key',
  'authorization',
  'customer-id',
];

export function limitPlugins(options: { introspection: boolean }): Plugin[] {
  const plugins: Plugin[] = [
    useDocumentLength(LIMITS.maxDocumentChars),
    useKnownOperationTypes(),
    maxDepthPlugin({ n: LIMITS.maxDepth, ignoreIntrospection: true, flattenFragments: true }) as Plugin,
    maxAliasesPlugin({ n: LIMITS.maxAliases }) as Plugin,
    maxTokensPlugin({ n: LIMITS.maxTokens }) as Plugin,
    useRequestBudget(),
    maxDirectivesPlugin({ n: LIMITS.maxDirectives }) as Plugin,
    // A refused request without credentials is answered UNAUTHENTICATED (credentials-first.ts: why it is safe).
    useCredentialsBeforeCSRF(useCSRFPrevention({ requestHeaders: PREFLIGHT_HEADERS })),
  ];
  if (!options.introspection) {
    plugins.push(useHiddenSchema());
  }
  return plugins;
}

/** A document longer than `max` characters is refused before it is parsed, on every transport (onParse). */
function useDocumentLength(max: number): Plugin {
  return {
    onParse({ params }) {
      const source = params.source;
      const length = typeof source === 'string' ? source.length : source.body.length;
      if (length > max) {
        throw budgetError(
          'document-length',
          `The document is ${length} characters long; at most ${max} are accepted.`,
        );
      }
    },
  };
}
