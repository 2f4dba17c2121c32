// The K key's state: a confirmation to answer, then the running stop's progress and its
// result. The stop itself runs in src/stop; this only holds what the screen shows.
import { useRef, useState } from 'react';
import type { StopControl } from '../stop/control.js';
import type { StopPlan, StopProgress, StopRefusal, StopReport } from '../stop/stopper.js';

export interface StopState {
  /** Waiting for y (a plan) or for any key (a refusal). */
  dialog: StopPlan | StopRefusal | null;
  /** Which lineage K took and why: the alert's, or the selected row's (the person moved). */
  reason: string | null;
  progress: StopProgress | null;
  report: StopReport | null;
  error: string | null;
}

export function useStop(control: StopControl | undefined) {
  const [state, setState] = useState<StopState>({ dialog: null, reason: null, progress: null, report: null, error: null });
  // Keys can come faster than renders: the dialog a key answers is read from a ref ("Ky"
  // in one read answers the plan K just made, not the render's none).
  const open = useRef<StopPlan | StopRefusal | null>(null);
  const running = useRef(false);
  const set = (next: Partial<StopState>) => {
    if ('dialog' in next) open.current = next.dialog ?? null;
    setState((s) => ({ ...s, ...next }));
  };
  return {
    state,
    available: control !== undefined,
    isOpen: () => open.current !== null,
    ask(nodeId: number, descend: boolean, reason: string) {
      if (!control || running.current) return;
      set({ dialog: control.plan(nodeId, descend), reason, report: null, error: null, progress: null });
    },
    /** Says why K does nothing here (a key closes it). */
    refuse(why: string) {
      if (!control || running.current) return;
      set({ dialog: { refused: why }, reason: null, report: null, error: null, progress: null });
    },
    /** y on a plan starts it; any key closes a refusal or cancels. */
    answer(yes: boolean) {
      const dialog = open.current;
      set({ dialog: null });
      if (!yes || !control || !dialog || 'refused' in dialog) return;
      running.current = true;
      control
        .run(dialog, (progress) => set({ progress }))
        .then((report) => set({ report, progress: null }))
        .catch((error: Error) => set({ error: error.message, progress: null }))
        .finally(() => (running.current = false));
    },
    dismiss() {
      if (!running.current) set({ report: null, error: null });
    },
  };
}
