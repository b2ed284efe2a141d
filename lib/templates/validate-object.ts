import { describeValue } from "../values/truthy.ts";
import type { PathSegment } from "./field-path.ts";
import { isJsonObject, type JsonObject } from "./json-value.ts";
import {
  DNS_LABEL_RULE,
  DNS_SUBDOMAIN_RULE,
  DNS1035_LABEL_RULE,
  isDns1035Label,
  isDnsLabel,
  isDnsSubdomain,
  labelValueProblem,
  qualifiedNameProblem,
} from "./k8s-names.ts";

export interface FieldProblem {
  path: PathSegment[];
  message: string;
}

/** The fields every object needs before anything else can be said about it. */
export function checkObjectShape(object: JsonObject): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const field of ["apiVersion", "kind"] as const) {
    const value = object[field];
    if (typeof value !== "string" || value === "") {
      problems.push({
        path: [field],
        message: `${field} must be a non-empty string, got ${describeValue(value)}`,
      });
    }
  }
  const metadata = object.metadata;
  if (!isJsonObject(metadata)) {
    problems.push({ path: ["metadata"], message: "metadata must be a mapping with at least a name" });
    return problems;
  }
  const name = metadata.name;
  if (typeof name !== "string" || name === "") {
    problems.push({
      path: ["metadata", "name"],
      message: `metadata.name must be a non-empty string, got ${describeValue(name)}`,
    });
  }
  return problems;
}

/**
 * What the API server would reject about names, labels and annotations, found before any request so the
 * error can name the template and field. Kind-specific schemas are left to the server.
 */
export function validateObject(object: JsonObject): FieldProblem[] {
  const problems = checkObjectShape(object);
  const metadata = object.metadata;
  if (!isJsonObject(metadata)) return problems;

  const name = metadata.name;
  if (typeof name === "string" && name !== "") {
    const rule = nameRule(object.kind);
    if (!rule.valid(name)) {
      problems.push({ path: ["metadata", "name"], message: `${JSON.stringify(name)} is not ${rule.text}` });
    }
  }
  const namespace = metadata.namespace;
  if (namespace !== undefined && (typeof namespace !== "string" || !isDnsLabel(namespace))) {
    problems.push({
      path: ["metadata", "namespace"],
      message: `${describeValue(namespace)} is not ${DNS_LABEL_RULE}`,
    });
  }
  checkStringMap(metadata, "labels", true, problems);
  checkStringMap(metadata, "annotations", false, problems);
  return problems;
}

function nameRule(kind: unknown): { valid: (name: string) => boolean; text: string } {
  if (kind === "Namespace") return { valid: isDnsLabel, text: DNS_LABEL_RULE };
  // Service names become DNS names of the form <name>.<namespace>.svc, so they must start with a letter.
  if (kind === "Service") return { valid: isDns1035Label, text: DNS1035_LABEL_RULE };
  return { valid: isDnsSubdomain, text: DNS_SUBDOMAIN_RULE };
}

function checkStringMap(
  metadata: JsonObject,
  field: "labels" | "annotations",
  isLabels: boolean,
  out: FieldProblem[],
) {
  const map = metadata[field];
  if (map === undefined || map === null) return;
  if (!isJsonObject(map)) {
    out.push({ path: ["metadata", field], message: `metadata.${field} must be a mapping of strings` });
    return;
  }
  for (const [key, value] of Object.entries(map)) {
    const path = ["metadata", field, key];
    const keyProblem = qualifiedNameProblem(key);
    if (keyProblem) out.push({ path, message: `key ${JSON.stringify(key)} is invalid: ${keyProblem}` });
    if (typeof value !== "string") {
      out.push({
        path,
        message: `value must be a string, got ${describeValue(value)}; quote the template text to make it one`,
      });
      continue;
    }
    const valueProblem = isLabels ? labelValueProblem(value) : undefined;
    if (valueProblem)
      out.push({ path, message: `value ${describeValue(value)} is invalid: ${valueProblem}` });
  }
}
