import type { StackConfig } from "../config.ts";

/** One real server of the local stack. `prepare` installs or builds what is missing and is cached. */
export interface Service {
  name: string;
  /** Loopback ports the service binds; checked to be free before starting. */
  ports(config: StackConfig): number[];
  prepare(config: StackConfig): Promise<void>;
  /** Starts the process(es) and resolves once healthy. */
  start(config: StackConfig): Promise<void>;
  healthy(config: StackConfig): Promise<boolean>;
  /** Process names (pid files) in start order; stopped in reverse. */
  processes: string[];
  /** Signals other than SIGTERM that stop a process promptly, by process name. */
  stopSignals?: Record<string, NodeJS.Signals>;
  endpoint(config: StackConfig): string;
}
