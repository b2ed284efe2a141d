import { describe, expect, it } from "vitest";
import { LabelSelectorError, labelsMatch, parseLabelSelector } from "../../lib/kube/label-selector.ts";
import { LABEL_TEMPLATE_SET } from "../../lib/kube/labels.ts";
import { SweepScopeError, sweepScope } from "../../lib/sweep/scope.ts";
import type { TemplateSet } from "../../lib/templates/model.ts";

const set = (name: string, source: string) => ({ name, resources: [{ source }] }) as unknown as TemplateSet;
const sets = [
  set("web", 'metadata:\n  labels:\n    team: "{{team}}"\n    example.com/tier: web\n'),
  set("jobs", "metadata: { labels: { 'owner': x } }\n"),
];

describe("label selectors, read and judged as the API server does", () => {
  const matches = (selector: string, labels: Record<string, string>) =>
    labelsMatch(parseLabelSelector(selector), labels);

  it("reads every operator of the grammar", () => {
    expect(parseLabelSelector("a=1, b==2,c!=3,d in (x, y),e notin (z),f,!g,h>4,i<5,j=")).toEqual([
      { key: "a", operator: "in", values: ["1"] },
      { key: "b", operator: "in", values: ["2"] },
      { key: "c", operator: "notin", values: ["3"] },
      { key: "d", operator: "in", values: ["x", "y"] },
      { key: "e", operator: "notin", values: ["z"] },
      { key: "f", operator: "exists", values: [] },
      { key: "g", operator: "!exists", values: [] },
      { key: "h", operator: "gt", values: ["4"] },
      { key: "i", operator: "lt", values: ["5"] },
      { key: "j", operator: "in", values: [""] },
    ]);
    expect(parseLabelSelector("")).toEqual([]);
  });

  it("judges labels: absent keys match != and notin, not = or in", () => {
    expect(matches(`${LABEL_TEMPLATE_SET} in (web-prod)`, { [LABEL_TEMPLATE_SET]: "web-prod" })).toBe(true);
    expect(matches(`${LABEL_TEMPLATE_SET} in (web-prod)`, { [LABEL_TEMPLATE_SET]: "jobs" })).toBe(false);
    expect(matches("a!=1", {})).toBe(true);
    expect(matches("a notin (1)", { a: "2" })).toBe(true);
    expect(matches("a=1", {})).toBe(false);
    expect(matches("!a", { a: "" })).toBe(false);
    expect(matches("n>3", { n: "4" })).toBe(true);
    expect(matches("n<3", { n: "x" })).toBe(false);
  });

  it("refuses what the API server refuses", () => {
    for (const bad of ["not a selector!", "a in b", "a in (b", "=b", "a,", "a>b", "a=b=c"]) {
      expect(() => parseLabelSelector(bad), bad).toThrow(LabelSelectorError);
    }
  });
});

describe("the sweep's scope", () => {
  it("judges inventory entries by the labels they imply, and leaves undecided what only the object carries", () => {
    const scope = sweepScope(`${LABEL_TEMPLATE_SET}=web,team=a`, sets);
    const entry = (templateSet: string) => ({ tenantKey: "t", templateSet, resourceId: "r" });
    expect(scope?.takesEntry(entry("jobs"))).toBe(false);
    expect(scope?.takesEntry(entry("web"))).toBeUndefined();
    expect(sweepScope(`${LABEL_TEMPLATE_SET} in (web)`, sets)?.takesEntry(entry("web"))).toBe(true);
    expect(scope?.takes({ [LABEL_TEMPLATE_SET]: "web", team: "a" })).toBe(true);
  });

  it("takes labels the templates set, block or flow style, and refuses others naming the selector", () => {
    expect(sweepScope("example.com/tier=web,owner", sets)?.keys).toEqual(["example.com/tier", "owner"]);
    expect(() => sweepScope("tier=web", sets)).toThrow(
      new SweepScopeError(
        'label selector "tier=web" names label tier, which neither tenant-sync nor any template set (web, jobs) ' +
          "sets, so the sweep cannot tell which desired objects it selects; nothing was done. Select on labels " +
          "the templates set, or on tenant-sync.io/template-set, tenant-sync.io/resource or tenant-sync.io/tenant.",
      ),
    );
    expect(sweepScope(undefined, sets)).toBeUndefined();
  });

  it("takes nothing in with a selector it cannot read (the API server refuses it as well)", () => {
    const scope = sweepScope("not a selector!", sets);
    expect(scope?.unreadable).toMatch(/^label selector "not a selector!" cannot be read: expected/);
    expect(scope?.takes({})).toBe(false);
  });
});
