// The simulator's v2 routes against upstream/v2.md: auth without customer-id, repeated query keys, limit
// bounds and default, 400 field_errors, page keys bound to their filters, the one-job route with
// percent-encoded ids and its 404, millisecond RFC 3339 times, and the same jobs as v1 under `job_` ids.
import { describe, expect, it } from 'vitest';
import { createSimulator } from '../../src/simulator/handler';
import { manualClock } from '../support/clock';

function setup() {
  const clock = manualClock();
  const sim = createSimulator({ now: clock.now });
  const get = async (path: string, headers: Record<string, string> = { 'x-api-key': 'demo-api-key' }) => {
    const response = await sim.handle(new Request(`http://sim${path}`, { headers }));
    return { status: response.status, headers: response.headers, body: (await response.json()) as any };
  };
  return { clock, sim, get };
}

describe('simulator: v2', () => {
  it('authenticates by key or bearer token alone, with Error bodies for 401', async () => {
    const { get } = setup();
    expect((await get('/v2/jobs')).status).toBe(200);
    expect((await get('/v2/jobs', { authorization: 'Bearer demo-token' })).status).toBe(200);
    const bad = await get('/v2/jobs', { 'x-api-key': 'nope' });
    expect(bad.status).toBe(401);
    expect(bad.body).toEqual({
      messages: ['Invalid API key or token.'],
      request_id: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
    expect((await get('/v2/jobs', {})).status).toBe(401);
  });

  it('lists 10 jobs by default, filters by repeated state and corpus_key, and refuses bad parameters with field_errors', async () => {
    const { get, sim } = setup();
    const page = await get('/v2/jobs?state=completed&state=failed&corpus_key=product_docs_3');
    expect(page.body.jobs).toHaveLength(10);
    expect(page.body.jobs.every((job: any) => ['completed', 'failed'].includes(job.state))).toBe(true);
    expect(page.body.jobs.every((job: any) => job.corpus_keys.includes('product_docs_3'))).toBe(true);
    expect(page.body.jobs[0].id).toMatch(/^job_[A-Za-z0-9+/]{48}$/);
    expect(page.body.jobs[0].created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(page.body.metadata.page_key).toMatch(/^[A-Za-z0-9_-]+$/);
    for (const [query, field] of [
      ['limit=0', 'limit'],
      ['limit=101', 'limit'],
      ['state=done', 'state'],
      ['corpus_key=a%20b', 'corpus_key'],
      ['after=yesterday', 'after'],
      ['page_key=%21%21', 'page_key'],
    ]) {
      const refused = await get(`/v2/jobs?${query}`);
      expect(refused.status, query).toBe(400);
      expect(Object.keys(refused.body.field_errors)).toEqual([field]);
    }
    expect(sim.calls).toBe(7);
  });

  it('binds a page key to the filters it was made for', async () => {
    const { get } = setup();
    const first = await get('/v2/jobs?state=completed&limit=5');
    const key = encodeURIComponent(first.body.metadata.page_key);
    expect((await get(`/v2/jobs?state=completed&limit=5&page_key=${key}`)).status).toBe(200);
    expect((await get(`/v2/jobs?state=failed&limit=5&page_key=${key}`)).body.field_errors).toHaveProperty(
      'page_key',
    );
    expect((await get(`/v2/jobs?state=completed&limit=6&page_key=${key}`)).status).toBe(400);
  });

  it('serves one job by percent-encoded id, 404 with the id for an unknown one, and v2-only jobs v1 does not list', async () => {
    const { get, sim } = setup();
    const job = sim.jobsOf('1234567890').find((candidate) => /[/+]/.test(candidate.id))!;
    const found = await get(`/v2/jobs/${encodeURIComponent(`job_${job.id}`)}`);
    expect(found.status).toBe(200);
    expect(found.body.id).toBe(`job_${job.id}`);
    const missing = await get('/v2/jobs/job_nope');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ id: 'job_nope', messages: [expect.any(String)] });
    const bulk = sim.jobsOf('1234567890').filter((candidate) => candidate.v2Only);
    expect(bulk.length).toBeGreaterThan(0);
    const shown = await get(`/v2/jobs/${encodeURIComponent(`job_${bulk[0]!.id}`)}`);
    expect(shown.body.type).toMatch(/^bulk_/);
  });
});
