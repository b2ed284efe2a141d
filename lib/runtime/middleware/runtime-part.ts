import type { MiddlewareObj } from "@middy/core";
import type { Context } from "aws-lambda";

/** A middleware that puts a part of the runtime on the context; the handler reads it with `of(context)`. */
export interface RuntimePart<Part> extends MiddlewareObj {
  of(context: Context): Part;
}

/**
 * Opens `open()` on the first invocation and puts it on every invocation's context, so a warm container keeps
 * its pools, clients and caches. An opening that fails is tried again by the next invocation. The handler
 * keeps Lambda's plain signature: tests, the local runner and the benchmarks call it with their own context.
 */
export function runtimePart<Part>(open: () => Part | Promise<Part>): RuntimePart<Part> {
  const key = Symbol("runtime part");
  let opened: Promise<Part> | undefined;
  return {
    before: async (request) => {
      opened ??= Promise.resolve()
        .then(open)
        .catch((error: unknown) => {
          opened = undefined;
          throw error;
        });
      Object.assign(request.context, { [key]: await opened });
    },
    of: (context) => {
      // A wiring fault in a handler, never caused by an event or a setting.
      if (!(key in context)) throw new Error("a runtime part is read by a handler that does not .use() it");
      return (context as Context & { [key]: Part })[key];
    },
  };
}
