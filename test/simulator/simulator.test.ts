// The simulator against ../shared/upstream/README.md: auth, customer-id, filters, default states, page
// keys, the 180-day window, numResults, int64 strings, quirks, and jobs that progress with the clock.
import { describe, expect, it } from 'vitest';
import { createSimulator } from '../../src/simulator/handler';
import { manualClock } from '../support/clock';

const DAY = 86_400;

function setup() {
  const clock = manualClock();
  const sim = createSimulator({ now: clock.now });
  const post = async (body: unknown, headers: Record<string, string> = {}) => {
    const response = await sim.handle(
      new Request('http://sim/v1/list-jobs', {
        method: 'POST',
        headers: { 'x-api-key': 'demo-api-key', 'customer-id': '1234567890', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    );
    return { status: response.status, headers: response.headers, body: (await response.json()) as any };
  };
  const nowSecs = () => Math.floor(clock.now() / 1000);
  return { clock, sim, post, nowSecs };
}

describe('simulator: auth', () => {
  it('rejects a missing customer-id with 401, rpc code 16 and the real message', async () => {
    const { post } = setup();
    const { status, body } = await post({}, { 'customer-id': '' });
    expect(status).toBe(401);
    expect(body).toEqual({
      code: 16,
      message: 'Request does not contain customer-id-bin header.',
      details: [],
    });
  });

  it('rejects unknown keys, missing auth and a customer-id that is not the key owner', async () => {
    const { post, sim } = setup();
    expect((await post({}, { 'x-api-key': 'nope' })).status).toBe(401);
    const bare = await sim.handle(
      new Request('http://sim/v1/list-jobs', { method: 'POST', headers: { 'customer-id': '1' }, body: '{}' }),
    );
    expect(bare.status).toBe(401);
    const wrongCustomer = await post({}, { 'customer-id': '2222222222' });
    expect(wrongCustomer.status).toBe(403);
    expect(wrongCustomer.body.code).toBe(7);
  });

  it('accepts a bearer token and serves each customer its own jobs', async () => {
    const { post } = setup();
    const a = await post(
      { numResults: 100, state: ['JOB_STATE__COMPLETED'] },
      { 'x-api-key': '', authorization: 'Bearer demo-token' },
    );
    const b = await post(
      { numResults: 100, state: ['JOB_STATE__COMPLETED'] },
      { 'x-api-key': 'demo-api-key-2', 'customer-id': '2222222222' },
    );
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    const idsA = new Set(a.body.job.map((job: any) => job.id));
    expect(b.body.job.length).toBeGreaterThan(0);
    expect(b.body.job.some((job: any) => idsA.has(job.id))).toBe(false);
    expect(b.body.job.every((job: any) => job.corpusId.every((id: number) => id > 100))).toBe(true);
  });
});

describe('simulator: listing', () => {
  it('defaults to QUEUED and STARTED, 10 results, and emits int64 strings, "0" and status []', async () => {
    const { post } = setup();
    const { status, body } = await post({});
    expect(status).toBe(200);
    expect(body.status).toEqual([]);
    expect(body.job.length).toBeGreaterThan(0);
    expect(body.job.length).toBeLessThanOrEqual(10);
    for (const job of body.job) {
      expect(['JOB_STATE__QUEUED', 'JOB_STATE__STARTED']).toContain(job.state);
      expect(job.tsCreate).toMatch(/^\d+$/);
      if (job.state === 'JOB_STATE__QUEUED') expect(job.tsStart).toBe('0');
      expect(job.tsComplete).toBe('0');
    }
  });

  it('filters by explicit states, corpora, job id and creation time (ANDed), in ascending creation order', async () => {
    const { post, sim, nowSecs } = setup();
    const all = sim.jobsOf('1234567890');
    expect(all.length).toBeGreaterThanOrEqual(250);
    expect(new Set(all.flatMap((job) => job.corpusIds)).size).toBeGreaterThanOrEqual(5);
    const since = nowSecs() - 30 * DAY;
    const { body } = await post({
      state: ['JOB_STATE__COMPLETED', 'JOB_STATE__FAILED'],
      corpusId: [2, 3],
      epochSecs: String(since),
      numResults: 100,
    });
    expect(body.job.length).toBeGreaterThan(0);
    for (const job of body.job) {
      expect(['JOB_STATE__COMPLETED', 'JOB_STATE__FAILED']).toContain(job.state);
      expect(job.corpusId.some((id: number) => id === 2 || id === 3)).toBe(true);
      expect(Number(job.tsCreate)).toBeGreaterThanOrEqual(since);
      expect(Number(job.tsComplete)).toBeGreaterThan(0);
    }
    const created = body.job.map((job: any) => Number(job.tsCreate));
    expect(created).toEqual([...created].sort((x, y) => x - y));
    const one = body.job[3];
    const byId = await post({ jobId: one.id, state: ['JOB_STATE__COMPLETED', 'JOB_STATE__FAILED'] });
    expect(byId.body.job).toEqual([one]);
    const snake = await post({ job_id: one.id, state: ['JOB_STATE__COMPLETED', 'JOB_STATE__FAILED'] });
    expect(snake.body.job).toEqual([one]);
  });

  it('keeps to the 180-day window by default and refuses an older epochSecs', async () => {
    const { post, sim, nowSecs } = setup();
    const all = sim.jobsOf('1234567890');
    const inWindow = all.filter((job) => job.createdAt >= nowSecs() - 180 * DAY && !job.v2Only);
    expect(inWindow.length).toBeLessThan(all.length);
    let listed = 0;
    let key = '';
    do {
      const { body } = await post(
        key
          ? { pageKey: key }
          : {
              numResults: 100,
              state: [
                'JOB_STATE__COMPLETED',
                'JOB_STATE__FAILED',
                'JOB_STATE__ABORTED',
                'JOB_STATE__QUEUED',
                'JOB_STATE__STARTED',
                'JOB_STATE__TRANSIENT_FAILURE_RETRY_IMMINENT',
                'JOB_STATE__UNKNOWN',
              ],
            },
      );
      listed += body.job.length;
      key = body.pageKey;
    } while (key);
    expect(listed).toBe(inWindow.length);
    const old = await post({ epochSecs: String(nowSecs() - 181 * DAY) });
    expect(old.status).toBe(200);
    expect(old.body.status[0].code).toBe('INVALID_ARGUMENT');
  });

  it('limits numResults to 100 and rejects malformed bodies and states with 400 code 3', async () => {
    const { post } = setup();
    const tooMany = await post({ numResults: 101 });
    expect(tooMany.body.status[0].code).toBe('INVALID_ARGUMENT');
    expect((await post('{not json')).body.code).toBe(3);
    expect((await post({ state: ['JOB_STATE__NAPPING'] })).status).toBe(400);
  });

  it('pages with opaque base64 keys that carry filters and page size; other fields are then ignored', async () => {
    const { post } = setup();
    const states = ['JOB_STATE__COMPLETED'];
    const first = await post({ state: states, numResults: 7, corpusId: [1] });
    expect(first.body.job).toHaveLength(7);
    expect(first.body.pageKey).toMatch(/^[A-Za-z0-9+/]+=*$/);
    const second = await post({
      pageKey: first.body.pageKey,
      numResults: 1,
      state: ['JOB_STATE__QUEUED'],
      corpusId: [9],
    });
    expect(second.body.job).toHaveLength(7);
    for (const job of second.body.job) {
      expect(job.state).toBe('JOB_STATE__COMPLETED');
      expect(job.corpusId).toContain(1);
    }
    const seen = new Set(first.body.job.map((job: any) => job.id));
    expect(second.body.job.some((job: any) => seen.has(job.id))).toBe(false);
    const bad = await post({ pageKey: '%%%not-base64' });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe(3);
    const otherCustomer = await post(
      { pageKey: first.body.pageKey },
      { 'x-api-key': 'demo-api-key-2', 'customer-id': '2222222222' },
    );
    expect(otherCustomer.status).toBe(400);
  });

  it('ends with pageKey "" and moves jobs QUEUED → STARTED → terminal as the clock advances', async () => {
    const { post, sim, clock } = setup();
    const job = sim.addJob({ queuedForSecs: 10, runForSecs: 20, finalState: 'FAILED' });
    const everyState = ['QUEUED', 'STARTED', 'COMPLETED', 'FAILED', 'ABORTED'].map((s) => `JOB_STATE__${s}`);
    const look = async () => (await post({ jobId: job.id, state: everyState })).body;
    const queued = await look();
    expect(queued.job[0].state).toBe('JOB_STATE__QUEUED');
    expect(queued.pageKey).toBe('');
    clock.advance(11_000);
    const started = (await look()).job[0];
    expect(started.state).toBe('JOB_STATE__STARTED');
    expect(Number(started.tsStart)).toBe(job.startAt);
    clock.advance(20_000);
    const failed = (await look()).job[0];
    expect(failed.state).toBe('JOB_STATE__FAILED');
    expect(Number(failed.tsComplete)).toBe(job.endAt);
  });
});

describe('simulator: quirks and faults', () => {
  it('serves a trailing empty page, short pages, unknown enums, numbers, absent and null fields', async () => {
    const { post, sim } = setup();
    sim.configure({ quirks: ['trailing-empty-page'] });
    const jobId = sim.addJob().id;
    const only = await post({ jobId, state: ['JOB_STATE__QUEUED'] });
    expect(only.body.job).toHaveLength(1);
    expect(only.body.pageKey).not.toBe('');
    const trailing = await post({ pageKey: only.body.pageKey });
    expect(trailing.body).toEqual({ status: [], job: [], pageKey: '' });

    const short = await post(
      { numResults: 10, state: ['JOB_STATE__COMPLETED'] },
      { 'x-simulator-quirks': 'short-pages' },
    );
    expect(short.body.job).toHaveLength(5);
    expect(short.body.pageKey).not.toBe('');

    const odd = await post(
      { numResults: 3, state: ['JOB_STATE__QUEUED'] },
      { 'x-simulator-quirks': 'unknown-enums,int64-numbers,omit-empty' },
    );
    expect(odd.body.job[0].state).toBe('JOB_STATE__PAUSED');
    expect(typeof odd.body.job[0].tsCreate).toBe('number');
    expect(odd.body.job[0]).not.toHaveProperty('tsComplete');

    const nulls = await post(
      { numResults: 100, state: ['JOB_STATE__QUEUED'] },
      { 'x-simulator-quirks': 'null-fields' },
    );
    expect(nulls.body.status).toBeNull();
    expect(nulls.body.pageKey).toBeNull();
  });

  it('injects each fault per request, queued or at random', async () => {
    const { post, sim } = setup();
    const rate = await post({}, { 'x-simulator-fault': 'rate-limit' });
    expect(rate.status).toBe(429);
    expect(rate.headers.get('retry-after')).toBe('1');
    expect(rate.body.code).toBe(8);
    expect((await post({}, { 'x-simulator-fault': 'unavailable' })).status).toBe(503);
    expect((await post({}, { 'x-simulator-fault': 'status-unavailable' })).body.status[0].code).toBe(
      'UNAVAILABLE',
    );
    await expect(post({}, { 'x-simulator-fault': 'reset' })).rejects.toThrow(/reset/);
    sim.failNext('html-500');
    const html = await sim.handle(new Request('http://sim/v1/list-jobs', { method: 'POST', body: '{}' }));
    expect(html.status).toBe(500);
    expect(await html.text()).toContain('<html>');
    sim.configure({ random: { fault: 'unavailable', probability: 0.5 } });
    let failures = 0;
    for (let i = 0; i < 200; i++) if ((await post({})).status === 503) failures++;
    expect(failures).toBeGreaterThan(60);
    expect(failures).toBeLessThan(140);
    expect(sim.calls).toBe(205);
  });

  it('hangs until the caller aborts', async () => {
    const { sim } = setup();
    const controller = new AbortController();
    const pending = sim.fetch('http://sim/v1/list-jobs', {
      method: 'POST',
      headers: { 'x-simulator-fault': 'hang' },
      body: '{}',
      signal: controller.signal,
    });
    controller.abort(new Error('gave up'));
    await expect(pending).rejects.toThrow('gave up');
  });

  it('is configurable over its admin endpoint', async () => {
    const { sim, post } = setup();
    const set = await sim.handle(
      new Request('http://sim/_simulator/config', {
        method: 'POST',
        body: JSON.stringify({ quirks: ['short-pages'], latencyMs: 1 }),
      }),
    );
    expect(set.status).toBe(200);
    expect(sim.settings().quirks).toEqual(['short-pages']);
    const bad = await sim.handle(
      new Request('http://sim/_simulator/config', {
        method: 'POST',
        body: JSON.stringify({ quirks: ['nope'] }),
      }),
    );
    expect(bad.status).toBe(400);
    expect((await post({}, { 'x-simulator-fault': 'nope' })).status).toBe(400);
  });
});
