import type { Logger } from '@buyonline/connect-api';

/** Longest a stopping consumer waits to leave its group. */
export const LEAVE_GROUP_TIMEOUT_MS = 30_000;

/**
 * Leaves the group (`leave` disconnects the consumer); bounded, so that a stop is never held up
 * by a group that does not answer. Returns false when the consumer left, true when it gave up.
 */
export async function leaveGroup(leave: () => Promise<void>, log: Logger, timeoutMs = LEAVE_GROUP_TIMEOUT_MS): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(true), timeoutMs);
  });
  const gaveUp = await Promise.race([leave().then(() => false), timedOut]);
  clearTimeout(timer);
  if (gaveUp) log.warn({ timeoutMs }, 'the consumer did not leave the group in time; stopping anyway');
  return gaveUp;
}
