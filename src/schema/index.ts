// The executable subgraph schema: every type file is imported for its side effects, then printed once.
import { builder } from './builder';
import './job';
import './corpus';
import './corpus-jobs';
import './pagination';
import './subscription';

export const schema = builder.toSubGraphSchema({
  linkUrl: 'https://specs.apollo.dev/federation/v2.6',
});
