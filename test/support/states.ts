import { JOB_STATES } from '../../src/upstream/model';

/** Every upstream job state, for listings that must not depend on the default. */
export const ALL_STATES = JOB_STATES;
