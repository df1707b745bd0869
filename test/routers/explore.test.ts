import { writeFileSync } from 'node:fs';
import { it } from 'vitest';
import { startStack } from './support/stack';

it('explore', async () => {
  const stack = await startStack('v2', 'key');
  const dir = '/work/wt/federation/test/routers/tools/.work';
  writeFileSync(`${dir}/supergraph.graphql`, stack.supergraphSdl);
  writeFileSync(`${dir}/urls.json`, JSON.stringify({ jobs: stack.jobsUrl, corpora: stack.corporaUrl }));
  const jobs: string[] = [];
  for (let i = 0; i < 20; i++)
    jobs.push(`job_${stack.sim.addJob({ queuedForSecs: 5 + i * 10, runForSecs: 5 }).id}`);
  writeFileSync(`${dir}/jobs.json`, JSON.stringify(jobs));
  await new Promise((r) => setTimeout(r, 900_000));
}, 1_000_000);
