// One fork bomb at a time across the suite's files (vitest runs files side by side). A live
// view's bar shows the worst alert: with two tests' bombs alive at once, each saw the other's
// and K named the wrong lineage. Tests that start a bomb hold this lock while it lives.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const LOCK = path.join(os.tmpdir(), 'forktop-test-bomb.lock');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function holderAlive(): boolean {
  try {
    const pid = Number(fs.readFileSync(path.join(LOCK, 'pid'), 'utf8'));
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // No pid file yet (being taken) counts as held; a pid that is gone does not.
    return (error as NodeJS.ErrnoException).code === 'ENOENT' && fs.existsSync(LOCK);
  }
}

/** Runs `body` while no other test's bomb lives; waits for the lock (a mkdir) up to 5 min. */
export async function withBombLock<T>(body: () => Promise<T>): Promise<T> {
  for (const deadline = Date.now() + 300_000; ; ) {
    try {
      fs.mkdirSync(LOCK, { mode: 0o700 });
      fs.writeFileSync(path.join(LOCK, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (!holderAlive()) fs.rmSync(LOCK, { recursive: true, force: true }); // a run that died holding it
      if (Date.now() > deadline) throw new Error('another test held the bomb lock for 5 minutes');
      await sleep(100);
    }
  }
  try {
    return await body();
  } finally {
    fs.rmSync(LOCK, { recursive: true, force: true });
  }
}
