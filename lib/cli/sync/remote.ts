import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import type { ResyncResult } from "../../pipeline/sync/resync.ts";
import { CliError } from "../exit-codes.ts";

/**
 * Invokes the deployed resync function for one tenant and returns its result. The function reconciles
 * synchronously (RequestResponse), so the outcome is the one the function saw. A function error (its
 * handler threw) is reported with the function's own message.
 */
export async function invokeResync(
  functionName: string,
  tenant: string,
  client: LambdaClient = new LambdaClient({}),
): Promise<Extract<ResyncResult, { tenant: string }>> {
  try {
    const response = await client.send(
      new InvokeCommand({
        FunctionName: functionName,
        InvocationType: "RequestResponse",
        Payload: new TextEncoder().encode(JSON.stringify({ tenant })),
      }),
    );
    const text = new TextDecoder().decode(response.Payload ?? new Uint8Array());
    if (response.FunctionError) {
      throw new CliError(`resync function ${functionName} failed: ${functionErrorMessage(text)}`);
    }
    const result = JSON.parse(text) as ResyncResult | null;
    if (
      typeof result !== "object" ||
      result === null ||
      !("tenant" in result) ||
      typeof result.outcome !== "object"
    ) {
      throw new CliError(
        `resync function ${functionName} returned an unexpected result: ${text.slice(0, 200)}`,
      );
    }
    return result;
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`invoking resync function ${functionName} failed: ${(error as Error).message}`);
  } finally {
    client.destroy();
  }
}

/** Lambda's error payload is `{"errorType": ..., "errorMessage": ...}`; anything else is shown as is. */
function functionErrorMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { errorType?: string; errorMessage?: string };
    if (body.errorMessage)
      return body.errorType ? `${body.errorType}: ${body.errorMessage}` : body.errorMessage;
  } catch {
    // not JSON: fall through
  }
  return text.slice(0, 500) || "(no details)";
}
