export {
  type ClaimedJob,
  enqueueJob,
  type JobHandler,
  type JobRow,
  type JobSpec,
  listJobs,
  type RunAgain,
  runJobNow,
} from './queue.ts'
export { createJobRunner, defaultRetryAt, type JobRunner, type JobRunnerDeps } from './runner.ts'
