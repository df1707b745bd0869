// Credentials before CSRF (src/plugins/credentials-first.ts): the transports a router uses towards a
// subgraph (HTTP GET, POST and SSE) answer a request without credentials with an in-protocol
// UNAUTHENTICATED error, never a CSRF refusal, and still execute nothing for it; a request that carries a
// credential meets CSRF prevention as before. Real server through yoga.fetch, real simulator handler.
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, HEADERS_A, startHarness } from '../support/gateway';

let harness: Harness;
afterEach(() => harness?.close());

const QUERY = '{ __typename jobs(first: 1) { edges { node { jobId } } } }';
const SUBSCRIPTION = 'subscription { jobUpdated(jobId: "job_1") { state } }';
const url = (query: string) => `http://gateway.test/graphql?query=${encodeURIComponent(query)}`;

/** The events of a finished text/event-stream body (comments skipped). */
function parseSse(text: string): { event: string; data: string }[] {
  return text
    .split('\n\n')
    .map((block) => block.split('\n').filter((line) => line !== '' && !line.startsWith(':')))
    .filter((lines) => lines.length > 0)
    .map((lines) => ({
      event:
        lines
          .find((line) => line.startsWith('event:'))
          ?.slice(6)
          .trim() ?? 'message',
      data: lines
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).trim())
        .join('\n'),
    }));
}

async function json(response: Response) {
  return (await response.json()) as { data?: unknown; errors?: { extensions?: Record<string, unknown> }[] };
}

describe('credentials before CSRF', () => {
  it('answers a credential-less GET with UNAUTHENTICATED in-protocol (HTTP 200), executing nothing', async () => {
    harness = startHarness();
    for (const accept of ['application/json', 'application/graphql-response+json']) {
      const response = await harness.gateway.yoga.fetch(url(QUERY), { headers: { accept } });
      expect(response.status).toBe(200);
      const body = await json(response);
      // Not even __typename ran: the request was refused before parsing, as the CSRF check refuses it.
      expect(body.data).toBeUndefined();
      expect(body.errors?.map((error) => error.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    }
    expect(harness.sim.calls).toBe(0);
  });

  it('answers a credential-less SSE subscription (GET and POST) with an UNAUTHENTICATED event', async () => {
    harness = startHarness();
    const get = await harness.gateway.yoga.fetch(url(SUBSCRIPTION), {
      headers: { accept: 'text/event-stream' },
    });
    const post = await harness.gateway.yoga.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { accept: 'text/event-stream', 'content-type': 'application/json' },
      body: JSON.stringify({ query: SUBSCRIPTION }),
    });
    for (const response of [get, post]) {
      expect(response.status).toBe(200);
      const events = parseSse(await response.text());
      expect(events.map((event) => event.event)).toEqual(['next', 'complete']);
      const payload = JSON.parse(events[0]!.data) as { errors: { extensions: { code: string } }[] };
      expect(payload.errors.map((error) => error.extensions.code)).toEqual(['UNAUTHENTICATED']);
    }
    expect(harness.sim.calls).toBe(0);
  });

  it('refuses a credential-less simple form POST the same way', async () => {
    harness = startHarness();
    const response = await harness.gateway.yoga.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `query=${encodeURIComponent(QUERY)}`,
    });
    const body = await json(response);
    expect(body.data).toBeUndefined();
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(harness.sim.calls).toBe(0);
  });

  it('serves the same GET when it carries a credential (what a router forwards)', async () => {
    harness = startHarness();
    const response = await harness.gateway.yoga.fetch(url(QUERY), { headers: HEADERS_A });
    const body = (await response.json()) as { data: { jobs: { edges: unknown[] } }; errors?: unknown };
    expect(body.errors).toBeUndefined();
    expect(body.data.jobs.edges).toHaveLength(1);
    expect(harness.sim.calls).toBe(1);
  });
});
