/** Pieces of template sets that many tests write the same way, spliced into each test's own files. */

/**
 * A manifest's resource list: the tenant's Namespace, then a ConfigMap in it. It ends with a newline, so the
 * text a test writes right after it adds fields to `config`.
 */
export const NAMESPACE_THEN_CONFIG = `resources:
  - id: namespace
    file: namespace.yaml.mustache
  - id: config
    file: config.yaml.mustache
    dependsOn: [namespace]
`;

/** namespace.yaml.mustache: the Namespace the set's `namespace:` renders for the tenant. */
export const NAMESPACE_TEMPLATE = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {{namespace}}\n";
