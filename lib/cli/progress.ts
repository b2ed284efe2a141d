import cliProgress from "cli-progress";

/** Progress of a long run over many items. */
export interface Progress {
  start(total: number): void;
  tick(): void;
  stop(): void;
}

const silent: Progress = { start() {}, tick() {}, stop() {} };

/**
 * A progress bar on stderr (items done, rate, time left), only for a person at a terminal: never in --json
 * mode and never when stderr is a pipe or a file, where it would only add noise to a log.
 */
export function progressBar(
  stderr: NodeJS.WritableStream & { isTTY?: boolean },
  options: { enabled: boolean; unit: string },
): Progress {
  if (!options.enabled || !stderr.isTTY) return silent;
  const bar = new cliProgress.SingleBar(
    {
      stream: stderr,
      format: `{bar} {value}/{total} ${options.unit} | {rate}/s | {duration_formatted} elapsed | ETA {eta_formatted}`,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = 0;
  let done = 0;
  const rate = () => {
    const seconds = (Date.now() - started) / 1000;
    return seconds > 0 ? (done / seconds).toFixed(1) : "0.0";
  };
  return {
    start(total) {
      started = Date.now();
      bar.start(total, 0, { rate: "0.0" });
    },
    tick() {
      done++;
      // Rows inserted during the run can make the count grow past the total read at the start.
      if (done > bar.getTotal()) bar.setTotal(done);
      bar.update(done, { rate: rate() });
    },
    stop() {
      bar.stop();
    },
  };
}
