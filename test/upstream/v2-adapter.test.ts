// The v2 adapter on its own: request encoding (repeated keys, RFC 3339, re-sent filters, percent-encoded
// ids, the deadline header) and tolerant decoding of every shape upstream/v2.md calls possible.
import { describe, expect, it } from 'vitest';
import { createV2Adapter, decodeErrorBody, decodeInstant, decodePage } from '../../src/upstream/v2/adapter';

const adapter = createV2Adapter();

describe('v2 adapter', () => {
  it('lists with repeated state and corpus_key keys, limit, after, and every filter again beside page_key', () => {
    const request = adapter.listRequest({
      states: ['QUEUED', 'TRANSIENT_FAILURE_RETRY_IMMINENT'],
      corpusKeys: ['docs', 'employee_handbook_10'],
      createdAfter: 1_780_000_000,
      pageSize: 25,
      pageKey: 'abc-_123',
    });
    expect(request.method).toBe('GET');
    expect(request.body).toBeUndefined();
    const url = new URL(request.path, 'http://x');
    expect(url.pathname).toBe('/v2/jobs');
    expect([...url.searchParams]).toEqual([
      ['state', 'queued'],
      ['state', 'failed_will_retry'],
      ['corpus_key', 'docs'],
      ['corpus_key', 'employee_handbook_10'],
      ['after', '2026-05-28T20:26:40.000Z'],
      ['limit', '25'],
      ['page_key', 'abc-_123'],
    ]);
    // `:` and `+` of the instant are percent-encoded on the wire.
    expect(request.path).toContain('after=2026-05-28T20%3A26%3A40.000Z');
  });

  it('gets one job by its percent-encoded id (ids hold /, + and =)', () => {
    const id = 'job_SDIzYktHMzNHMlJpZkzTS1pH6sgmcyW5XtEaReE/K9iMZg==';
    expect(adapter.getRequest(id)).toEqual({
      operation: 'get',
      urlTemplate: '/v2/jobs/{job_id}',
      method: 'GET',
      path: '/v2/jobs/job_SDIzYktHMzNHMlJpZkzTS1pH6sgmcyW5XtEaReE%2FK9iMZg%3D%3D',
    });
    expect(adapter.deadlineHeaders(1234.7)).toEqual({ 'request-timeout-millis': '1234' });
  });

  it('decodes jobs tolerantly: absent and null fields, unknown fields and enum values, new types, comment', () => {
    const page = decodePage({
      jobs: [
        {
          id: 'job_a',
          type: 'rebuild_vector_index',
          corpus_keys: ['docs', 7, ''],
          state: 'failed',
          created_at: '2026-05-28T23:28:32.552Z',
          started_at: '2026-05-28T23:29:00Z',
          completed_at: null,
          created_by_username: 'ada@example.com',
          comment: 'out of quota',
          something_new: { x: 1 },
        },
        { id: 'job_b', type: 'bulk_update_document_metadata', state: 'failed_will_retry' },
        { id: 'job_c', type: 'compact_corpus', state: 'paused', corpus_keys: null, created_at: 'soon' },
      ],
      metadata: { page_key: 'next' },
    });
    expect(page.pageKey).toBe('next');
    expect(page.jobs[0]).toEqual({
      id: Buffer.from('Job:job_a').toString('base64url'),
      type: 'CORPUS_REBUILD_VECTOR_INDEX',
      state: 'FAILED',
      corpusKeys: ['docs'],
      createdAt: Math.floor(Date.parse('2026-05-28T23:28:32.552Z') / 1000),
      startedAt: Math.floor(Date.parse('2026-05-28T23:29:00Z') / 1000),
      completedAt: null,
      userHandle: 'ada@example.com',
      comment: 'out of quota',
      jobId: 'job_a',
      isTerminal: true,
      corpusIds: [],
    });
    expect(page.jobs[1]).toMatchObject({
      type: 'BULK_UPDATE_DOCUMENT_METADATA',
      state: 'TRANSIENT_FAILURE_RETRY_IMMINENT',
      corpusKeys: [],
      createdAt: null,
      userHandle: null,
      comment: null,
    });
    expect(page.jobs[2]).toMatchObject({
      type: 'UNKNOWN',
      state: 'UNKNOWN',
      unknownEnums: ['compact_corpus', 'paused'],
    });
  });

  it('ends the list on a missing, null or empty page key, or a missing metadata', () => {
    for (const metadata of [undefined, null, {}, { page_key: null }, { page_key: '' }]) {
      expect(decodePage({ jobs: [], metadata } as Record<string, unknown>).pageKey).toBe('');
    }
    expect(decodePage({}).jobs).toEqual([]);
    expect(() => decodePage({ jobs: 'x' })).toThrow(/not an array/);
  });

  it('reads the error body: messages, request id, field errors, redacted', () => {
    expect(
      decodeErrorBody({ field_errors: { limit: 'too big for key-123456' }, request_id: 'a1b2' }, [
        'key-123456',
      ]),
    ).toEqual({
      detail: 'limit: too big for [redacted]',
      requestId: 'a1b2',
      fieldErrors: { limit: 'too big for [redacted]' },
    });
    expect(decodeErrorBody({ messages: ['INTERNAL: boom', 'again'] }, [])).toEqual({
      detail: 'INTERNAL: boom; again',
      requestId: undefined,
      fieldErrors: undefined,
    });
    expect(decodeErrorBody({ code: 3 }, [])).toBeUndefined();
    expect(decodeInstant('10000-01-01T00:00:00Z')).toBeNull();
  });
});
