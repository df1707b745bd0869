// Operation limits and web safety (SPEC §9): graphql-armor rules against expensive documents, CSRF
// prevention, and optional introspection/field-suggestion hiding for production.
import { blockFieldSuggestionsPlugin } from '@escape.tech/graphql-armor-block-field-suggestions';
import { costLimitPlugin } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { useDisableIntrospection } from '@graphql-yoga/plugin-disable-introspection';
import type { Plugin } from 'graphql-yoga';

/** The limits, exported so tests can probe each one at limit and limit+1. */
export const LIMITS = {
  /** Deepest legitimate path: _entities → Corpus.jobs → edges → node → corpora → jobs → edges → node → field. */
  maxDepth: 12,
  maxAliases: 20,
  maxTokens: 2000,
  maxCost: 20_000,
  maxDirectives: 20,
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
    maxDepthPlugin({ n: LIMITS.maxDepth, ignoreIntrospection: true, flattenFragments: true }) as Plugin,
    maxAliasesPlugin({ n: LIMITS.maxAliases }) as Plugin,
    maxTokensPlugin({ n: LIMITS.maxTokens }) as Plugin,
    costLimitPlugin({ maxCost: LIMITS.maxCost, ignoreIntrospection: true }) as Plugin,
    maxDirectivesPlugin({ n: LIMITS.maxDirectives }) as Plugin,
    useCSRFPrevention({ requestHeaders: PREFLIGHT_HEADERS }),
  ];
  if (!options.introspection) {
    plugins.push(useDisableIntrospection(), blockFieldSuggestionsPlugin() as Plugin);
  }
  return plugins;
}
