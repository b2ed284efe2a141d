// Plain JavaScript on purpose: it is preloaded (NODE_OPTIONS --import) into every Node.js process a test run
// starts, including children run by an older system node that would not strip TypeScript types.
import fs from "node:fs";
import path from "node:path";

const CAPTURING = Symbol.for("tenant-sync.test-log-capture");

/**
 * Tees everything this process writes to stdout and stderr into a file of its own under `dir`, for the secret
 * scan at the end of the run. What reaches the terminal is unchanged. Idempotent per process.
 */
export function captureOutput(dir) {
  if (!dir || process[CAPTURING]) return;
  process[CAPTURING] = true;
  fs.mkdirSync(dir, { recursive: true });
  const script = path.basename(process.argv[1] ?? "node").replace(/[^A-Za-z0-9._-]/g, "_");
  const fd = fs.openSync(path.join(dir, `${process.pid}-${script}.log`), "a", 0o600);
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream);
    stream.write = (chunk, encoding, callback) => {
      try {
        fs.writeSync(
          fd,
          typeof chunk === "string"
            ? Buffer.from(chunk, typeof encoding === "string" ? encoding : "utf8")
            : chunk,
        );
      } catch {
        // Capturing must never break the process under test; a lost line is far better than a changed run.
      }
      return write(chunk, encoding, callback);
    };
  }
}
