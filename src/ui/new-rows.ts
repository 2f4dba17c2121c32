// Whether a filtered exec list gained a few rows since the last frame while the filter hid
// the rest of what came (the App asks only while a filter is on). A person reads a few new
// rows as they come, so those draw soon even in a storm; a list as busy as the stream keeps
// the frame rate, which already draws at once on a still screen.
import type { Model } from '../model/model.js';
import { listedAfter, type Matcher } from '../model/queries.js';

/** At most this many new rows draw at once. */
export const FEW_ROWS = 3;

export class NewRows {
  /** The newest exec looked at: when the last frame was drawn, or since. */
  private checkedSeq = -1;
  /** Since the last frame: execs that came, and those the list shows. */
  private came = 0;
  private listed = 0;

  /** A frame was drawn from the model as it is now. */
  drawn(model: Model): void {
    this.checkedSeq = model.execs.total - 1;
    this.came = 0;
    this.listed = 0;
  }

  /** After a batch: whether 1 to FEW_ROWS listed execs came since the last frame, and others
   *  that the list hides. Each exec is looked at once, and none once more than FEW_ROWS came. */
  few(model: Model, matcher: Matcher): boolean {
    if (this.listed > FEW_ROWS) return false;
    const newest = model.execs.total - 1;
    if (newest > this.checkedSeq) {
      this.listed += listedAfter(model, matcher, this.checkedSeq, FEW_ROWS - this.listed);
      this.came += newest - this.checkedSeq;
      this.checkedSeq = newest;
    }
    return this.listed >= 1 && this.listed <= FEW_ROWS && this.came > this.listed;
  }
}
