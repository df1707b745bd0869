// The per-request budget, checked before any resolver runs (so before any upstream call), on every entry
// point that executes an operation (POST, GET, SSE, /graphql/stream): what the operation may cost is
// computed from the arguments as they will be executed, literals, variables and schema defaults alike, so
// `first: $n` with n = 100 costs what `first: 100` costs.
// - cost: an upper bound on the fields the response holds (each field × the items of the lists above it;
//   a connection's `edges` count `first` items, `nodes` its ids, `_entities` its representations);
// - upstream calls: what the operation may ask of the upstream (each `job`/`node`, each id of `nodes`,
//   each Job representation, each top-level connection, nested `Corpus.jobs` in batches of 100 corpora);
// - list arguments: `nodes(ids:)` and `_entities(representations:)` hold at most MAX_LIST_ITEMS.
// The context enforces the same call budget at run time (fills of short pages, batch fallbacks).
// Argument ranges come first: `first: 100000` is refused for its range (1..100, the error its resolver
// would give), not for the cost it would have, so the caller learns the limit that matters.
import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  GraphQLError,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  getArgumentValues,
  getNamedType,
  getOperationAST,
  getVariableValues,
  isInterfaceType,
  isObjectType,
  Kind,
  type SelectionSetNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { validateFirst } from '../schema/pagination';

export const BUDGET = {
  /** Fields a response may hold at most (its size bound). */
  maxCost: 20_000,
  /** Upstream calls one GraphQL request may make. */
  maxUpstreamCalls: 50,
  /** Items in a `nodes(ids:)` or `_entities(representations:)` list. */
  maxListItems: 100,
  /** Corpora listed in one batched upstream call (the upstream's own cap). */
  corporaPerCall: 100,
} as const;

export interface OperationBudget {
  cost: number;
  upstreamCalls: number;
}

/** Thrown (as a GraphQL error) when an operation is over its budget. */
export function budgetError(
  limit: 'cost' | 'upstream-calls' | 'list-items' | 'document-length',
  message: string,
): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: 'BAD_USER_INPUT', reason: 'OPERATION_LIMIT', limit },
  });
}

interface Walk {
  schema: GraphQLSchema;
  fragments: Map<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
  cost: number;
  calls: number;
}

/**
 * What an operation may cost, or a budget error. Variable values that do not coerce are left to
 * execution (which refuses them before any resolver runs), so they cost nothing here.
 */
export function measureOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  rawVariables: Record<string, unknown> | null | undefined,
  operationName?: string | null,
): OperationBudget {
  const operation = getOperationAST(document, operationName);
  if (!operation) return { cost: 0, upstreamCalls: 0 };
  const root = schema.getRootType(operation.operation);
  if (!root) return { cost: 0, upstreamCalls: 0 };
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], rawVariables ?? {}, {
    maxErrors: 1,
  });
  if (coerced.errors) return { cost: 0, upstreamCalls: 0 };
  const walk: Walk = {
    schema,
    fragments: new Map(
      document.definitions
        .filter((definition) => definition.kind === Kind.FRAGMENT_DEFINITION)
        .map((fragment) => [fragment.name.value, fragment]),
    ),
    variables: coerced.coerced,
    cost: 0,
    calls: 0,
  };
  visit(walk, operation.selectionSet, root, 1, undefined, new Set());
  return { cost: Math.ceil(walk.cost), upstreamCalls: Math.ceil(walk.calls) };
}

function visit(
  walk: Walk,
  selectionSet: SelectionSetNode,
  parent: GraphQLNamedType,
  times: number,
  edgesItems: number | undefined,
  fragmentsSeen: ReadonlySet<string>,
): void {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      const typed = selection.typeCondition
        ? walk.schema.getType(selection.typeCondition.name.value)
        : parent;
      visit(walk, selection.selectionSet, typed ?? parent, times, edgesItems, fragmentsSeen);
      continue;
    }
    if (selection.kind === Kind.FRAGMENT_SPREAD) {
      const name = selection.name.value;
      const fragment = walk.fragments.get(name);
      if (!fragment || fragmentsSeen.has(name)) continue;
      const typed = walk.schema.getType(fragment.typeCondition.name.value) ?? parent;
      visit(walk, fragment.selectionSet, typed, times, edgesItems, new Set([...fragmentsSeen, name]));
      continue;
    }
    walk.cost += times;
    const field = fieldOf(parent, selection);
    if (!field || !selection.selectionSet) continue;
    let args: Record<string, unknown>;
    try {
      args = getArgumentValues(field, selection, walk.variables);
    } catch {
      continue; // execution reports the bad argument before any resolver runs
    }
    // Every `first` of this API is a page size (1..MAX_FIRST): out of range is the answer, before any cost.
    if (field.args.some((arg) => arg.name === 'first'))
      validateFirst(args.first as number | null | undefined);
    let childTimes = times;
    let childEdges: number | undefined;
    const returns = getNamedType(field.type).name;
    if (field.name === 'edges' && edgesItems !== undefined) childTimes = times * edgesItems;
    else if (returns === 'JobConnection') {
      childEdges = typeof args.first === 'number' && args.first > 0 ? args.first : 1;
      // A top-level listing is its own call; connections under a list are batched by corpus.
      walk.calls += parent.name === 'Query' ? times : Math.ceil(times / BUDGET.corporaPerCall);
    } else if (parent.name === 'Query' && (field.name === 'job' || field.name === 'node')) {
      walk.calls += times;
    } else if (parent.name === 'Query' && field.name === 'nodes') {
      const ids = listArgument(args.ids, 'nodes(ids:)');
      walk.calls += times * ids.length;
      childTimes = times * ids.length;
    } else if (parent.name === 'Query' && field.name === '_entities') {
      const representations = listArgument(args.representations, '_entities(representations:)');
      const jobs = representations.filter((item) => (item as { __typename?: unknown })?.__typename === 'Job');
      const corpora = representations.length - jobs.length;
      walk.calls += times * (jobs.length + Math.ceil(corpora / BUDGET.corporaPerCall));
      childTimes = times * representations.length;
    }
    const child = getNamedType(field.type);
    visit(walk, selection.selectionSet, child, childTimes, childEdges, fragmentsSeen);
  }
}

function fieldOf(parent: GraphQLNamedType, node: FieldNode): GraphQLField<unknown, unknown> | undefined {
  if (!isObjectType(parent) && !isInterfaceType(parent)) return undefined;
  return parent.getFields()[node.name.value];
}

function listArgument(value: unknown, name: string): unknown[] {
  const list = Array.isArray(value) ? value : [];
  if (list.length > BUDGET.maxListItems) {
    throw budgetError(
      'list-items',
      `\`${name}\` holds ${list.length} items; at most ${BUDGET.maxListItems} are allowed per request: split the list over several requests.`,
    );
  }
  return list;
}

/** The budget error for an operation, or undefined when it fits. */
export function checkBudget(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> | null | undefined,
  operationName?: string | null,
): GraphQLError | undefined {
  let measured: OperationBudget;
  try {
    measured = measureOperation(schema, document, variables, operationName);
  } catch (error) {
    if (error instanceof GraphQLError) return error;
    throw error;
  }
  if (measured.cost > BUDGET.maxCost) {
    return budgetError(
      'cost',
      `Cost limit of ${BUDGET.maxCost} exceeded: this operation may return ${measured.cost} fields (each field counts once per item of the lists above it, with \`first\` from literals, variables or defaults). Ask for fewer items or fewer nested lists.`,
    );
  }
  if (measured.upstreamCalls > BUDGET.maxUpstreamCalls) {
    return budgetError(
      'upstream-calls',
      `Upstream call limit of ${BUDGET.maxUpstreamCalls} exceeded: this operation may need ${measured.upstreamCalls} upstream calls. Split it into smaller requests.`,
    );
  }
  return undefined;
}

/** Refuses over-budget operations before execution, for queries and subscriptions alike. */
export function useRequestBudget(): Plugin {
  const guard = ({
    args,
    setResultAndStopExecution,
  }: {
    args: {
      schema: GraphQLSchema;
      document: DocumentNode;
      variableValues?: Record<string, unknown> | null;
      operationName?: string | null;
    };
    setResultAndStopExecution: (result: { errors: GraphQLError[] }) => void;
  }) => {
    const error = checkBudget(args.schema, args.document, args.variableValues, args.operationName);
    if (error) setResultAndStopExecution({ errors: [error] });
  };
  return { onExecute: guard, onSubscribe: guard };
}
