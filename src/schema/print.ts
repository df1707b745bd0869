// `npm run codegen` step 1: writes schema/schema.graphql from the code (a test fails when it drifts).
import { writeFileSync } from 'node:fs';
import { printSchemaSdl, SCHEMA_FILE } from './sdl';

writeFileSync(SCHEMA_FILE, printSchemaSdl());
process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
