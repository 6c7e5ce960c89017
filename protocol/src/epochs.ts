/** Epoch arithmetic, the same as PlauditPool's `currentEpoch` and `epochBounds`. Times in seconds. */
export interface EpochSchedule {
  startTime: bigint;
  epochLength: bigint;
}

export interface EpochBounds {
  start: bigint;
  end: bigint;
  /** Settlement is open in `[end, deadline)`; an unsettled budget returns to its reader after it. */
  deadline: bigint;
}

/** The epoch containing `timestamp` (0 before the start). */
export function epochAt(schedule: EpochSchedule, timestamp: bigint): bigint {
  if (timestamp < schedule.startTime) return 0n;
  return (timestamp - schedule.startTime) / schedule.epochLength;
}

export function epochBounds(schedule: EpochSchedule, epoch: bigint): EpochBounds {
  const start = schedule.startTime + epoch * schedule.epochLength;
  const end = start + schedule.epochLength;
  return { start, end, deadline: end + schedule.epochLength };
}

/** Whether `epoch` can be settled at `timestamp`. */
export function isSettleable(schedule: EpochSchedule, epoch: bigint, timestamp: bigint): boolean {
  const { end, deadline } = epochBounds(schedule, epoch);
  return timestamp >= end && timestamp < deadline;
}
