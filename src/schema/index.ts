// The executable subgraph schema: every type file is imported for its side effects, then printed once.
import { isObjectType, isScalarType, valueFromASTUntyped } from 'graphql';
import { builder } from './builder';
import './job';
import './corpus';
import './corpus-jobs';
import './pagination';
import './subscription';
import './jobs-changed';

export const schema = builder.toSubGraphSchema({
  linkUrl: 'https://specs.apollo.dev/federation/v2.6',
});

// Federation's `_Any` parses literals with graphql's two-parameter default, which graphql-jit reports on
// stderr ("Scalar with variable inputs…") for every literal `_entities(representations: […])`. A literal
// representation holds no variables, so one parameter is exact.
const any = schema.getType('_Any');
if (isScalarType(any)) any.parseLiteral = (node) => valueFromASTUntyped(node);

// Job fields that read a property of the same name need no resolver (every Job is made by createJob, which
// sets them all, the global id included): without one, graphql-jit reads the property inline instead of
// calling a wrapper with a resolve-info object of its own for each of 100 jobs × 12 fields (the relay
// plugin's id resolver also returned a promise per job).
const job = schema.getType('Job');
if (isObjectType(job)) {
  const fields = job.getFields();
  for (const name of [
    'id',
    'jobId',
    'type',
    'state',
    'isTerminal',
    'corpusKeys',
    'corpusIds',
    'createdAt',
    'startedAt',
    'completedAt',
    'userHandle',
    'comment',
  ]) {
    const field = fields[name];
    if (field) field.resolve = undefined;
  }
}
