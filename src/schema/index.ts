// The executable subgraph schema: every type file is imported for its side effects, then printed once.
import { isScalarType, valueFromASTUntyped } from 'graphql';
import { builder } from './builder';
import './job';
import './corpus';
import './corpus-jobs';
import './pagination';
import './subscription';

export const schema = builder.toSubGraphSchema({
  linkUrl: 'https://specs.apollo.dev/federation/v2.6',
});

// Federation's `_Any` parses literals with graphql's two-parameter default, which graphql-jit reports on
// stderr ("Scalar with variable inputs…") for every literal `_entities(representations: […])`. A literal
// representation holds no variables, so one parameter is exact.
const any = schema.getType('_Any');
if (isScalarType(any)) any.parseLiteral = (node) => valueFromASTUntyped(node);
