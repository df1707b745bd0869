// Credential isolation under concurrency: ≥ 2,000 concurrent requests over 20 distinct credentials, every
// response checked against its own customer's data; cursors and lookups never cross accounts; and no
// credential appears in any response or log line, even when the upstream echoes it back.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger';
import { createGateway } from '../../src/server';
import type { Account, DatasetSpec } from '../../src/simulator/dataset';
import { createSimulator } from '../../src/simulator/handler';
import type { FetchLike } from '../../src/upstream/client';
import { reportFigure } from '../support/figures';
import { VERSIONS } from '../support/gateway';

const ACCOUNTS = 20;
const REQUESTS = 2400;

function accountsAndData() {
  const accounts: Account[] = [];
  const datasets: DatasetSpec[] = [];
  for (let i = 0; i < ACCOUNTS; i++) {
    const customerId = String(3_000_000_000 + i);
    accounts.push({
      customerId,
      apiKeys: [`zqk-${i}-${(i * 7919).toString(36)}-secretkey`],
      bearerTokens: [`zqt-${i}-${(i * 104729).toString(36)}-secrettoken`],
    });
    datasets.push({ customerId, corpusIds: [i * 10 + 1, i * 10 + 2], jobs: 40, seed: 100 + i });
  }
  return { accounts, datasets };
}

describe.each(VERSIONS)('credential isolation on %s', (version) => {
  it(`serves ${REQUESTS} concurrent requests over ${ACCOUNTS} credentials with zero leaks`, async () => {
    const { accounts, datasets } = accountsAndData();
    const sim = createSimulator({ accounts, datasets });
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    // Every 50th upstream call answers with an error that echoes the caller's credentials.
    let n = 0;
    const echoing: FetchLike = async (input, init) => {
      if (++n % 50 === 0) {
        const headers = new Headers(init?.headers);
        const echo = `${headers.get('x-api-key') ?? ''} ${headers.get('authorization') ?? ''}`;
        const said = `credentials ${echo} rejected`;
        const body = version === 'v1' ? { code: 16, message: said } : { messages: [said], request_id: 'e1' };
        return new Response(JSON.stringify(body), { status: 401 });
      }
      return sim.fetch(input, init);
    };
    const gateway = createGateway({
      apiVersion: version,
      upstreamUrl: 'http://upstream.test',
      fetch: echoing,
      retries: 0,
      logger: createLogger('debug', sink),
    });
    // Each account's jobs that the upstream serves (v1: its 180-day window), by the version's ids.
    const since = version === 'v1' ? Date.now() / 1000 - 179 * 86_400 : 0;
    const owned = new Map(
      accounts.map((account) => [
        account.customerId,
        new Set(
          sim
            .jobsOf(account.customerId)
            .filter((job) => job.createdAt > since)
            .map((job) => (version === 'v2' ? `job_${job.id}` : job.id)),
        ),
      ]),
    );
    const secrets = accounts.flatMap((account) => [...account.apiKeys, ...account.bearerTokens]);
    const cursors = new Map<string, string>();

    const run = async (index: number) => {
      const account = accounts[index % ACCOUNTS]!;
      const other = accounts[(index + 7) % ACCOUNTS]!;
      const headers: Record<string, string> =
        index % 2 === 0
          ? { 'x-api-key': account.apiKeys[0]!, 'customer-id': account.customerId }
          : { authorization: `Bearer ${account.bearerTokens[0]}`, 'customer-id': account.customerId };
      const mine = [...owned.get(account.customerId)!];
      const theirs = [...owned.get(other.customerId)!];
      const kind = index % 4;
      const body =
        kind === 0
          ? {
              query:
                '{ jobs(first: 20, filter: { states: [QUEUED, STARTED, COMPLETED, FAILED, ABORTED] }) { edges { node { jobId } } pageInfo { endCursor } } }',
            }
          : kind === 1
            ? {
                query: 'query($id: String!) { job(jobId: $id) { jobId } }',
                variables: { id: mine[index % mine.length] },
              }
            : kind === 2
              ? {
                  query: 'query($id: String!) { job(jobId: $id) { jobId } }',
                  variables: { id: theirs[index % theirs.length] },
                }
              : {
                  query:
                    'query($after: String) { jobs(first: 5, after: $after, filter: { states: [QUEUED, STARTED, COMPLETED, FAILED, ABORTED] }) { edges { node { jobId } } } }',
                  variables: { after: cursors.get(other.customerId) ?? 'v1.none' },
                };
      const response = await gateway.yoga.fetch('http://gateway.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
      const text = await response.text();
      const result = JSON.parse(text) as { data?: any; errors?: any[] };
      const leakedSecret = secrets.some((secret) => text.includes(secret));
      let leakedData = false;
      let upstreamError = false;
      if (result.errors?.length) {
        const code = result.errors[0].extensions?.code;
        upstreamError = code === 'UNAUTHENTICATED';
        // A foreign cursor must be refused, never served.
        if (kind === 3) leakedData = code !== 'BAD_USER_INPUT' && !upstreamError;
      } else if (kind === 0) {
        const ids = result.data.jobs.edges.map((edge: any) => edge.node.jobId);
        leakedData = ids.some((id: string) => !owned.get(account.customerId)!.has(id));
        if (result.data.jobs.pageInfo.endCursor)
          cursors.set(account.customerId, result.data.jobs.pageInfo.endCursor);
      } else if (kind === 1) {
        leakedData = result.data.job?.jobId !== mine[index % mine.length];
      } else if (kind === 2) {
        leakedData = result.data.job !== null;
      } else {
        leakedData = true;
      }
      return { status: response.status, leakedSecret, leakedData, upstreamError };
    };

    // A first round fills `cursors`, then everything at once.
    await Promise.all(Array.from({ length: ACCOUNTS }, (_, i) => run(i * 4)));
    const results = await Promise.all(Array.from({ length: REQUESTS }, (_, i) => run(i)));
    await gateway.close();

    const log = lines.join('');
    const secretsInLogs = secrets.filter((secret) => log.includes(secret)).length;
    const figures = {
      requests: REQUESTS,
      credentials: ACCOUNTS,
      serverErrors: results.filter((result) => result.status >= 500).length,
      dataLeaks: results.filter((result) => result.leakedData).length,
      secretsInResponses: results.filter((result) => result.leakedSecret).length,
      echoedUpstreamErrors: results.filter((result) => result.upstreamError).length,
      logLines: lines.length,
      secretsInLogs,
    };
    reportFigure(`credential isolation (${version})`, figures);
    expect(figures.serverErrors).toBe(0);
    expect(figures.dataLeaks).toBe(0);
    expect(figures.secretsInResponses).toBe(0);
    expect(figures.echoedUpstreamErrors).toBeGreaterThan(0);
    expect(figures.logLines).toBeGreaterThan(REQUESTS);
    expect(secretsInLogs).toBe(0);
  });
});
