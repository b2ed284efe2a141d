/** What an error is about, so a person (or a log query) finds the thing to fix without parsing the message. */
export interface ErrorSubject {
  /** The tenant key. */
  tenant?: string;
  templateSet?: string;
  /** The resource id within the template set. */
  resource?: string;
  /** The setting (environment variable), column or object field at fault. */
  field?: string;
}

export interface TenantSyncErrorOptions extends ErrorSubject {
  cause?: unknown;
}

/**
 * The base of every error tenant-sync throws for a person to read. The message says what is wrong and what to
 * change; the subject fields repeat what it is about and are set only when known, so logs carry no empty keys.
 * Each subclass sets `name` to its own name in its constructor (bundlers may rename classes).
 */
export class TenantSyncError extends Error {
  declare readonly tenant?: string;
  declare readonly templateSet?: string;
  declare readonly resource?: string;
  declare readonly field?: string;

  constructor(message: string, options: TenantSyncErrorOptions = {}) {
    super(message, "cause" in options ? { cause: options.cause } : undefined);
    this.name = "TenantSyncError";
    const { tenant, templateSet, resource, field } = options;
    if (tenant !== undefined) this.tenant = tenant;
    if (templateSet !== undefined) this.templateSet = templateSet;
    if (resource !== undefined) this.resource = resource;
    if (field !== undefined) this.field = field;
  }
}

/** A setting (environment variable, event field, option) that is missing or wrong; the message names it. */
export class ConfigError extends TenantSyncError {
  constructor(message: string, options?: TenantSyncErrorOptions) {
    super(message, options);
    this.name = "ConfigError";
  }
}
