import { describe, expect, it } from "vitest";
import { CliError } from "../../lib/cli/exit-codes.ts";
import { EksTokenError } from "../../lib/clusters/eks-token.ts";
import { KubeconfigAuthError } from "../../lib/clusters/kubeconfig-auth.ts";
import { ConfigError as ConfigErrorFromConfig } from "../../lib/config.ts";
import { InvalidIdentifierError } from "../../lib/db/identifiers.ts";
import { TenantRowError, TenantSourceError } from "../../lib/db/source-errors.ts";
import { ConfigError, TenantSyncError } from "../../lib/errors.ts";
import { LabelSelectorError } from "../../lib/kube/label-selector.ts";
import { PayloadError } from "../../lib/pipeline/webhook/webhook-payload.ts";
import { SignatureError } from "../../lib/pipeline/webhook/webhook-signature.ts";
import { MessageError } from "../../lib/queue/message.ts";
import { SweepScopeError } from "../../lib/sweep/scope.ts";
import { TemplateSetError } from "../../lib/templates/load-problem.ts";
import { RenderError } from "../../lib/templates/render-error.ts";
import { SelectorError } from "../../lib/templates/selector.ts";
import { TemplateError } from "../../lib/templates/template-error.ts";
import { ViewError } from "../../lib/templates/view.ts";
import { TruthinessError } from "../../lib/values/truthy.ts";

const renderError = (resourceId: string | undefined, fieldPath: string | undefined) =>
  new RenderError({
    tenantKey: "acme",
    templateSet: "web",
    resourceId,
    file: "web/deploy.yaml.mustache",
    line: 4,
    fieldPath,
    variable: undefined,
    reason: "must be a number",
  });

const rowError = () =>
  new TenantRowError(
    { table: "tenants", column: "active", tenantKey: "acme", value: "maybe", rows: [] },
    'column "active" is neither true nor false',
  );

describe("TenantSyncError", () => {
  it("is an Error with its own name and the message as given", () => {
    const error = new TenantSyncError("tenant acme: something to fix");
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("TenantSyncError");
    expect(error.message).toBe("tenant acme: something to fix");
    expect(String(error)).toBe("TenantSyncError: tenant acme: something to fix");
  });

  it("carries the tenant, template set, resource and field it is about", () => {
    const error = new TenantSyncError("m", {
      tenant: "acme",
      templateSet: "web",
      resource: "deploy",
      field: "spec",
    });
    expect(error).toMatchObject({ tenant: "acme", templateSet: "web", resource: "deploy", field: "spec" });
  });

  it("sets only the subject fields it is given, so logs carry no empty keys", () => {
    expect(Object.keys(new TenantSyncError("m"))).toEqual(["name"]);
    expect(Object.keys(new TenantSyncError("m", { tenant: "acme" }))).toEqual(["name", "tenant"]);
    expect("cause" in new TenantSyncError("m")).toBe(false);
  });

  it("keeps the cause", () => {
    const cause = new Error("ECONNREFUSED");
    expect(new TenantSyncError("cannot connect", { cause, tenant: "acme" }).cause).toBe(cause);
  });

  it("ConfigError is one, and config.ts still exports the same class", () => {
    const error = new ConfigError("invalid configuration: X", { field: "X" });
    expect(error).toBeInstanceOf(TenantSyncError);
    expect(error.name).toBe("ConfigError");
    expect(error.field).toBe("X");
    expect(ConfigErrorFromConfig).toBe(ConfigError);
  });
});

describe("every error class extends TenantSyncError", () => {
  it.each([
    ["PayloadError", new PayloadError("m"), PayloadError],
    ["SignatureError", new SignatureError("m"), SignatureError],
    ["MessageError", new MessageError("m"), MessageError],
    ["TruthinessError", new TruthinessError("active", "maybe"), TruthinessError],
    ["SweepScopeError", new SweepScopeError("m"), SweepScopeError],
    ["ViewError", new ViewError("m"), ViewError],
    ["SelectorError", new SelectorError("m"), SelectorError],
    [
      "TemplateSetError",
      new TemplateSetError([{ file: "a/templateset.yaml", line: 1, message: "m" }]),
      TemplateSetError,
    ],
    ["TemplateError", new TemplateError("m"), TemplateError],
    ["RenderError", renderError("deploy", undefined), RenderError],
    ["ConfigError", new ConfigError("m"), ConfigError],
    ["EksTokenError", new EksTokenError("m"), EksTokenError],
    ["KubeconfigAuthError", new KubeconfigAuthError("m"), KubeconfigAuthError],
    ["CliError", new CliError("m"), CliError],
    [
      "InvalidIdentifierError",
      new InvalidIdentifierError("column", "a b", "use letters"),
      InvalidIdentifierError,
    ],
    ["TenantSourceError", new TenantSourceError("m"), TenantSourceError],
    ["TenantRowError", rowError(), TenantRowError],
    ["LabelSelectorError", new LabelSelectorError("m"), LabelSelectorError],
  ] as const)("%s keeps its name and class", (name, error, type) => {
    expect(error).toBeInstanceOf(TenantSyncError);
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(type);
    expect(error.name).toBe(name);
  });
});

describe("subject fields of the existing errors", () => {
  it("RenderError names tenant, set, resource and field, and its message is unchanged", () => {
    const error = renderError("deploy", "spec.replicas");
    expect(error).toMatchObject({
      tenant: "acme",
      templateSet: "web",
      resource: "deploy",
      field: "spec.replicas",
    });
    expect(error.message).toBe(
      'tenant "acme", template set web, resource deploy (web/deploy.yaml.mustache:4): spec.replicas: must be a number',
    );
    const setLevel = renderError(undefined, undefined);
    expect(Object.keys(setLevel)).not.toContain("resource");
    expect(Object.keys(setLevel)).not.toContain("field");
  });

  it("TenantRowError names the tenant and the column", () => {
    expect(rowError()).toMatchObject({
      tenant: "acme",
      field: "active",
      tenantKey: "acme",
      column: "active",
    });
  });

  it("TruthinessError and TemplateError name the column or object field", () => {
    expect(new TruthinessError("active", "maybe").field).toBe("active");
    expect(new TemplateError("m", { path: "spec.replicas" }).field).toBe("spec.replicas");
    expect(new TemplateError("m").field).toBeUndefined();
  });
});
