import { TenantSyncError } from "../errors.ts";

/** Where a render failed, for people (the message) and for code (the fields). */
export interface RenderErrorDetails {
  tenantKey: string;
  templateSet: string;
  /** Undefined when the failure concerns the whole set (the row, or the default namespace). */
  resourceId: string | undefined;
  file: string;
  line: number | undefined;
  fieldPath: string | undefined;
  variable: string | undefined;
  reason: string;
}

/**
 * A tenant's template could not be turned into an object. The message names tenant, set, resource, file
 * and line, and the field when there is one; it never holds anything from the cluster or its credentials.
 */
export class RenderError extends TenantSyncError {
  readonly details: RenderErrorDetails;

  constructor(details: RenderErrorDetails) {
    const resource = details.resourceId === undefined ? "" : `, resource ${details.resourceId}`;
    const where = details.line === undefined ? details.file : `${details.file}:${details.line}`;
    const field = details.fieldPath ? `${details.fieldPath}: ` : "";
    super(
      `tenant ${JSON.stringify(details.tenantKey)}, template set ${details.templateSet}${resource} (${where}): ` +
        `${field}${details.reason}`,
      {
        tenant: details.tenantKey,
        templateSet: details.templateSet,
        ...(details.resourceId === undefined ? {} : { resource: details.resourceId }),
        ...(details.fieldPath ? { field: details.fieldPath } : {}),
      },
    );
    this.name = "RenderError";
    this.details = details;
  }
}
