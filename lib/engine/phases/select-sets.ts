import type { TenantRecord } from "../../db/source.ts";
import type { StatusRecord } from "../../db/status-store.ts";
import type { TemplateSet } from "../../templates/model.ts";
import { selects } from "../../templates/selector.ts";
import { statusRow } from "../status-row.ts";

export interface Selection {
  selected: TemplateSet[];
  /** A Failed row per set whose selector cannot be evaluated for this row. */
  statuses: StatusRecord[];
  selectorFailed: boolean;
}

/** Phase 1: the sets whose selectors pick this tenant's row. */
export function selectSets(record: TenantRecord, sets: readonly TemplateSet[]): Selection {
  const selection: Selection = { selected: [], statuses: [], selectorFailed: false };
  for (const set of sets) {
    try {
      if (selects(set, record.row)) selection.selected.push(set);
    } catch (error) {
      selection.selectorFailed = true;
      selection.statuses.push(statusRow(record.key, set, record.cluster, "Failed", (error as Error).message));
    }
  }
  return selection;
}
