// Tolerant decoding of v1 ListJobs payloads: every shape the upstream README calls possible.
import { describe, expect, it } from 'vitest';
import {
  decodeEpochSeconds,
  decodeListJobsPage,
  decodeStatusFailures,
  encodeListJobsRequest,
} from '../../src/upstream/v1/adapter';

describe('wire decoding', () => {
  it('decodes int64 strings and numbers, and maps "0", 0, absent, null and garbage to null', () => {
    expect(decodeEpochSeconds('1795937518')).toBe(1_795_937_518);
    expect(decodeEpochSeconds(1_795_937_518)).toBe(1_795_937_518);
    expect(decodeEpochSeconds('253402300799')).toBe(253_402_300_799);
    for (const value of [
      '0',
      0,
      undefined,
      null,
      '',
      'soon',
      '-5',
      '99999999999999999999',
      '9007199254740991',
      {},
    ]) {
      expect(decodeEpochSeconds(value)).toBeNull();
    }
  });

  it('maps enum names with or without prefix, in any case, and unknown ones to UNKNOWN', () => {
    const page = decodeListJobsPage({
      job: [
        { id: 'a', type: 'JOB__CORPUS_REBUILD_VECTOR_INDEX', state: 'JOB_STATE__QUEUED' },
        { id: 'b', type: 'CORPUS_REPLACE_FILTER_ATTRS', state: 'started' },
        {
          id: 'c',
          type: 'JOB__SOMETHING_NEW',
          state: 'JOB_STATE__PAUSED',
          corpusId: ['7', 8],
          userHandle: '',
        },
        { id: 7, state: null },
      ],
    });
    expect(page.jobs.map((job) => [job.jobId, job.type, job.state])).toEqual([
      ['a', 'CORPUS_REBUILD_VECTOR_INDEX', 'QUEUED'],
      ['b', 'CORPUS_REPLACE_FILTER_ATTRS', 'STARTED'],
      ['c', 'UNKNOWN', 'UNKNOWN'],
      ['7', 'UNKNOWN', 'UNKNOWN'],
    ]);
    expect(page.jobs[2]).toMatchObject({
      corpusKeys: ['7', '8'],
      comment: null,
      userHandle: null,
      unknownEnums: ['JOB__SOMETHING_NEW', 'JOB_STATE__PAUSED'],
    });
    expect(page.pageKey).toBe('');
  });

  it('tolerates absent or null status, job and pageKey, snake_case fields, and a status cause', () => {
    expect(decodeListJobsPage({})).toEqual({ jobs: [], pageKey: '' });
    expect(decodeListJobsPage({ status: null, job: null, pageKey: null })).toEqual({ jobs: [], pageKey: '' });
    expect(
      decodeListJobsPage({ jobs: [{ id: 'x', ts_create: '5' }], page_key: 'k' }).jobs[0]?.createdAt,
    ).toBe(5);
    expect(
      decodeStatusFailures({
        status: [{ code: 'OK' }, { code: 'FAILURE', cause: { statusDetail: 'disk' } }],
      }),
    ).toEqual([{ code: 'FAILURE', detail: 'disk' }]);
    expect(() => decodeListJobsPage({ job: 'nope' })).toThrow(/not an array/);
    expect(() => decodeListJobsPage([1])).toThrow(/not a JSON object/);
  });

  it('always sends states, and only the page key when continuing', () => {
    expect(encodeListJobsRequest({ states: ['QUEUED'], pageSize: 5 })).toEqual({
      state: ['JOB_STATE__QUEUED'],
      numResults: 5,
    });
    expect(encodeListJobsRequest({ states: ['QUEUED'], pageSize: 5, pageKey: 'abc=' })).toEqual({
      pageKey: 'abc=',
    });
  });
});
