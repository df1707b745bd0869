// News from another replica arrives as JSON: its jobs are made again here, so that a replica of an older
// version (whose jobs lack the derived fields) or a stale derived value cannot reach a subscriber.
import { describe, expect, it } from 'vitest';
import { createJob, type JobFields } from '../../src/upstream/model';
import { type LoopMessage, reviveLoopMessage } from '../../src/watch/coordinator';

const fields: JobFields = {
  jobId: 'job_1',
  type: 'CORPUS_REBUILD_VECTOR_INDEX',
  state: 'COMPLETED',
  corpusKeys: ['12', 'docs'],
  createdAt: 1_795_937_518,
  startedAt: 1_795_937_520,
  completedAt: 1_795_937_600,
  userHandle: null,
  comment: null,
};

/** What a sender's JSON.stringify + the receiver's JSON.parse make of a message. */
const overTheWire = (message: unknown) => JSON.parse(JSON.stringify(message)) as LoopMessage;

describe('reviveLoopMessage', () => {
  it('gives jobs from an older replica (upstream id as `id`, no derived fields) every field', () => {
    const { jobId, ...rest } = fields;
    const revived = reviveLoopMessage(overTheWire({ kind: 'job', job: { id: jobId, ...rest } }));
    expect(revived).toEqual({ kind: 'job', job: createJob(fields) });
    expect(revived.kind === 'job' && revived.job).toMatchObject({
      id: Buffer.from('Job:job_1').toString('base64url'),
      jobId: 'job_1',
      isTerminal: true,
      corpusIds: [12],
    });
  });

  it('derives them again rather than trusting what was sent, in lists and their finished jobs', () => {
    const stale = { ...createJob(fields), state: 'STARTED', isTerminal: true, corpusIds: [99] };
    const list = { jobs: [stale], finished: [fields], hasMore: false, origin: 'w1', seq: 3 };
    const revived = reviveLoopMessage(overTheWire({ kind: 'list', list }));
    if (revived.kind !== 'list') throw new Error('not a list');
    expect(revived.list.jobs[0]).toMatchObject({ state: 'STARTED', isTerminal: false, corpusIds: [12] });
    expect(revived.list.finished[0]).toEqual(createJob(fields));
    expect(revived.list).toMatchObject({ hasMore: false, origin: 'w1', seq: 3 });
  });

  it('passes errors through and tolerates a job without corpus keys', () => {
    const error = { kind: 'error', message: 'x', extensions: { code: 'UPSTREAM_ERROR' } };
    expect(reviveLoopMessage(overTheWire(error))).toEqual(error);
    const { corpusKeys: _, ...noKeys } = fields;
    const revived = reviveLoopMessage(overTheWire({ kind: 'job', job: noKeys }));
    expect(revived.kind === 'job' && revived.job.corpusIds).toEqual([]);
  });
});
