import cliProgress from 'cli-progress';

/**
 * A bar on stderr fed with (done, total) — a filter's rotations, a map's voxels; redrawn at most
 * every `every` steps so a fast loop does not spend its time drawing.
 */
export function stepProgressBar(format: string, every = 1): ((done: number, total: number) => void) & { stop(): void } {
  const bar = new cliProgress.SingleBar({ format, stream: process.stderr, hideCursor: true, etaBuffer: 500 }, cliProgress.Presets.shades_classic);
  let started = false;
  const update = (done: number, total: number) => {
    if (!started) { started = true; bar.start(total, done); return; }
    bar.setTotal(total);
    if (done % every === 0 || done === total) bar.update(done);
  };
  return Object.assign(update, { stop: () => { if (started) bar.stop(); } });
}
