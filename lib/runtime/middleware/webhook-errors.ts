import type { MiddlewareObj } from "@middy/core";
import httpErrorHandler from "@middy/http-error-handler";
import { ConfigError } from "../../config.ts";
import type { Log } from "../../log.ts";

const errorBody = (error: string) => JSON.stringify({ error });

/**
 * The webhook's failures as HTTP answers, logged: a configuration error is a 500 naming the setting (never a
 * secret value), anything else a 500 "internal error" without internals. Both bodies are `{"error": "…"}`.
 */
export function webhookErrors(log: Log): MiddlewareObj[] {
  const exposeConfigErrors: MiddlewareObj = {
    onError: (request) => {
      const error = request.error as Error;
      log.error("webhook failed", { error: error.message });
      if (error instanceof ConfigError) {
        request.error = Object.assign(new Error(errorBody(error.message)), { statusCode: 500, expose: true });
      }
    },
  };
  // Second in the list, so its onError runs before httpErrorHandler's.
  return [
    httpErrorHandler({ logger: false, fallbackMessage: errorBody("internal error") }),
    exposeConfigErrors,
  ];
}
