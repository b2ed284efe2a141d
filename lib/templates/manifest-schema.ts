import { z } from "zod";
import { CONFLICT_POLICIES, CREATION_POLICIES, DELETION_POLICIES } from "./model.ts";

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_RULE =
  "must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit";

const dnsLabel = z.string().max(63, "must be at most 63 characters").regex(DNS1123_LABEL, LABEL_RULE);
const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

const readiness = z.strictObject({
  wait: z.boolean().default(true),
  timeoutSeconds: z.number().int().min(1).max(86_400).default(300),
  /** A status condition type that must be True; until it appears the object counts as not ready. */
  condition: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9]*$/, "must be a condition type such as Ready")
    .optional(),
});

const resource = z.strictObject({
  id: dnsLabel,
  file: z.string().min(1),
  dependsOn: z.array(z.string()).default([]),
  creation: z.enum(CREATION_POLICIES).default("WhenNeeded"),
  deletion: z.enum(DELETION_POLICIES).default("Delete"),
  conflict: z.enum(CONFLICT_POLICIES).default("Stuck"),
  readiness: readiness.prefault({}),
  ignoreFields: z
    .array(z.string().regex(/^[^.\s]+(\.[^.\s]+)*$/, "must be a dotted field path such as spec.replicas"))
    .default([]),
  skipOnDependencyFailure: z.boolean().default(true),
});

const selectorTerm = z
  .strictObject({
    column: z.string().min(1),
    in: z.array(scalar).min(1).optional(),
    equals: scalar.optional(),
    truthy: z.boolean().optional(),
  })
  .refine((term) => ["in", "equals", "truthy"].filter((op) => Object.hasOwn(term, op)).length === 1, {
    message: "a selector term needs exactly one of in, equals, truthy",
  });

export const manifestSchema = z.strictObject({
  name: dnsLabel,
  description: z.string().default(""),
  namespace: z.string().min(1).optional(),
  selector: z.array(selectorTerm).default([]),
  resources: z.array(resource).min(1, "a template set needs at least one resource"),
});

export type Manifest = z.infer<typeof manifestSchema>;

/** Keys allowed at a manifest path, for "unknown key" messages that say what would have been right. */
export function allowedKeysAt(path: readonly PropertyKey[]): readonly string[] {
  const [first, , third] = path;
  if (path.length === 0) return Object.keys(manifestSchema.shape);
  if (first === "resources" && path.length === 2) return Object.keys(resource.shape);
  if (first === "resources" && third === "readiness") return Object.keys(readiness.shape);
  if (first === "selector") return ["column", "in", "equals", "truthy"];
  return [];
}
