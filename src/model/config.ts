// The model's limits and alert thresholds, with the defaults documented in the README.
export interface ModelConfig {
  /** Recent execs kept (a ring)... */
  execRingSize: number;
  /** ...holding at most this many characters of argv and program paths (oldest dropped). */
  maxExecRingText: number;
  /** Exited processes kept for inspection: at most this many... */
  maxTombstones: number;
  /** ...with at most this many characters of argv and paths between them... */
  maxTombstoneText: number;
  /** ...and for at most this long (ns) after their exit. */
  tombstoneAgeNs: number;
  /** Exited ancestors kept only because a descendant is still retained: at most this many. */
  maxRetainedAncestors: number;
  /** Lifetime log entries kept per process (the first ones and the exit always stay). */
  maxLogEntries: number;
  /** Lost-event marks kept for the timeline. */
  maxLossMarks: number;
  alerts: AlertThresholds;
}

export interface AlertThresholds {
  /** fork-bomb: one program replicating itself across a lineage at least this fast (forks/s)... */
  bombRate: number;
  /** ...with at least this many live members... */
  bombLive: number;
  /** ...over at least this many generations of the same program. */
  bombGenerations: number;
  /** fork-storm: one process spawning at least this fast (forks/s, over the last second). */
  stormRate: number;
  /** A storm clears when its rate stays below this fraction of its threshold... */
  clearFraction: number;
  /** ...for this long (ns): a rate that dips under load and rises again is the same storm.
   *  A bomb clears only when its lineage has no live member left, whatever its rate. */
  stormClearNs: number;
}

export const DEFAULT_CONFIG: ModelConfig = {
  execRingSize: 10_000,
  maxExecRingText: 8 * 2 ** 20,
  maxTombstones: 5_000,
  maxTombstoneText: 8 * 2 ** 20,
  tombstoneAgeNs: 60e9,
  maxRetainedAncestors: 5_000,
  maxLogEntries: 64,
  maxLossMarks: 1_000,
  alerts: {
    bombRate: 50,
    bombLive: 20,
    bombGenerations: 5,
    stormRate: 200,
    clearFraction: 0.5,
    stormClearNs: 3e9,
  },
};

/**
 * The limits for raising alerts only (`--json`: no screen to show the exec list, a
 * tombstone's card or a dead ancestor): the tombstones shrink to what an event arriving late
 * still needs. The AlertModel (alert-model.ts) keeps them; the Model with them is what it is
 * checked against, and raises the alerts the Model with its defaults does
 * (test/model/alerts.test.ts).
 */
export const HEADLESS_CONFIG: Partial<ModelConfig> = {
  execRingSize: 100,
  maxTombstones: 1_000,
};

export function withDefaults(partial: Partial<ModelConfig> = {}): ModelConfig {
  return { ...DEFAULT_CONFIG, ...partial, alerts: { ...DEFAULT_CONFIG.alerts, ...partial.alerts } };
}
