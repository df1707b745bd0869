// What replicas tell each other over Redis: jobs go as their decoded fields with the upstream id as `id` (the
// form every version of the gateway reads, so old and new replicas can share one Redis during a rolling
// upgrade), and come back through createJob (no stale or missing derived value reaches a subscriber).
import { describe, expect, it } from 'vitest';
import { createJob, type JobFields } from '../../src/upstream/model';
import {
  type LoopMessage,
  reviveLoopMessage,
  toWireMessage,
  type WireLoopMessage,
} from '../../src/watch/coordinator';

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
const { jobId, ...rest } = fields;
/** The job as a replica of the version before createJob sent and read it. */
const legacyJob = { id: jobId, ...rest };

/** What the sender's JSON.stringify and the receiver's JSON.parse make of a message. */
const overTheWire = (message: unknown) => JSON.parse(JSON.stringify(message)) as WireLoopMessage;

describe('loop messages between replicas', () => {
  it('send each job as its fields with the upstream id as `id`: what a replica of any version reads', () => {
    const job = createJob(fields);
    const sent = overTheWire(toWireMessage({ kind: 'job', job }));
    expect(sent).toEqual({ kind: 'job', job: legacyJob });
    const list = { jobs: [job], finished: [job], hasMore: true, origin: 'w1', seq: 7 };
    expect(overTheWire(toWireMessage({ kind: 'list', list }))).toEqual({
      kind: 'list',
      list: { jobs: [legacyJob], finished: [legacyJob], hasMore: true, origin: 'w1', seq: 7 },
    });
  });

  it('come back as the same jobs, whether a replica of this version or an older one sent them', () => {
    const job = createJob({ ...fields, unknownEnums: ['paused'] });
    const back = reviveLoopMessage(overTheWire(toWireMessage({ kind: 'job', job })));
    expect(back).toEqual({ kind: 'job', job });
    expect(reviveLoopMessage(overTheWire({ kind: 'job', job: legacyJob }))).toEqual({
      kind: 'job',
      job: createJob(fields),
    });
    expect(back.kind === 'job' && back.job).toMatchObject({
      id: Buffer.from('Job:job_1').toString('base64url'),
      jobId: 'job_1',
      isTerminal: true,
      corpusIds: [12],
    });
  });

  it('derive again rather than trust derived values that arrive, in lists and their finished jobs', () => {
    const stale = { ...createJob(fields), state: 'STARTED', isTerminal: true, corpusIds: [99] };
    const list = { jobs: [stale], finished: [legacyJob], hasMore: false, origin: 'w1', seq: 3 };
    const revived = reviveLoopMessage(overTheWire({ kind: 'list', list }));
    if (revived.kind !== 'list') throw new Error('not a list');
    expect(revived.list.jobs[0]).toMatchObject({ jobId: 'job_1', state: 'STARTED', isTerminal: false });
    expect(revived.list.jobs[0]?.corpusIds).toEqual([12]);
    expect(revived.list.finished[0]).toEqual(createJob(fields));
    expect(revived.list).toMatchObject({ hasMore: false, origin: 'w1', seq: 3 });
  });

  it('pass errors through, and tolerate a job without corpus keys', () => {
    const error: LoopMessage = { kind: 'error', message: 'x', extensions: { code: 'UPSTREAM_ERROR' } };
    expect(reviveLoopMessage(overTheWire(toWireMessage(error)))).toEqual(error);
    const { corpusKeys: _, ...noKeys } = legacyJob;
    const revived = reviveLoopMessage(overTheWire({ kind: 'job', job: noKeys }));
    expect(revived.kind === 'job' && revived.job.corpusIds).toEqual([]);
  });
});
