import type { TypeCast } from "mysql2";
import { exactNumber, timestampWithoutZoneToIso } from "./column-values.ts";

/**
 * Result parsing for MySQL and MariaDB (see column-values.ts for the shared rules):
 *
 * - TINYINT(1) and BIT(1) are how MySQL spells boolean: 0/1 become false/true. Any other value a TINYINT(1)
 *   holds (2, -1) stays a number, so a column misused as a small integer is not silently read as true.
 * - BIGINT is handled by the driver (supportBigNumbers): a number when safe, else a string.
 * - DATETIME and TIMESTAMP are read as UTC. Every connection sets `time_zone = '+00:00'`, so TIMESTAMP values
 *   arrive in UTC; DATETIME has no zone and is taken as UTC, the convention of tenant-sync's own tables.
 * - JSON: MySQL's JSON type is parsed by the driver. MariaDB stores JSON as LONGTEXT with a json_valid CHECK;
 *   its extended column metadata marks such columns (also through views) and mysql2 parses them too. When a
 *   server or proxy does not send that metadata, the source adapter falls back to information_schema
 *   (see source-columns.ts).
 */
export const mysqlTypeCast: TypeCast = (field, next) => {
  switch (field.type) {
    case "TINY":
      if (field.length !== 1) return next();
      return booleanFromText(field.string());
    case "BIT": {
      if (field.length !== 1) return next();
      const bytes = field.buffer();
      return bytes === null ? null : bytes[0] === 1;
    }
    case "DECIMAL":
    case "NEWDECIMAL": {
      const text = field.string();
      return text === null ? null : exactNumber(text);
    }
    case "DATETIME":
    case "DATETIME2":
    case "TIMESTAMP":
    case "TIMESTAMP2": {
      const text = field.string();
      return text === null ? null : timestampWithoutZoneToIso(text);
    }
    case "DATE":
    case "NEWDATE":
      return field.string();
    default:
      return next();
  }
};

function booleanFromText(text: string | null): boolean | number | null {
  if (text === null) return null;
  if (text === "1") return true;
  if (text === "0") return false;
  return Number(text);
}

/** MySQL's JSON column type, or MariaDB's JSON format in extended metadata: the driver parsed the value. */
export function isMysqlJsonField(field: {
  columnType?: number;
  type?: number;
  extendedFormat?: string;
}): boolean {
  return field.columnType === 245 || field.type === 245 || field.extendedFormat === "json";
}
