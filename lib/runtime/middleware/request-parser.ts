import { parser } from "@aws-lambda-powertools/parser/middleware";
import type { z } from "zod";

/**
 * Powertools' parser with a function's request schema. An event the schema refuses fails with the feature's
 * own message (what the function expects, and what it got): `explain` is the feature's parse function, which
 * throws it. Use it first, so that every other middleware's onError still runs before that error is thrown.
 */
export function requestParser<Schema extends z.ZodType>(
  schema: Schema,
  explain: (event: unknown) => unknown,
) {
  return parser({
    schema,
    errorHandler: (error, event) => {
      explain(event);
      throw error;
    },
  });
}
