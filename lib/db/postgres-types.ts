import pg from "pg";
import { exactNumber, timestampWithoutZoneToIso, timestampWithZoneToIso } from "./column-values.ts";

/**
 * Result parsing for PostgreSQL, set per pool (never on pg's global registry, which other code shares).
 * See column-values.ts for the rules; json/jsonb and booleans keep pg's own parsing.
 */
const defaultParser = pg.types.getTypeParser as (oid: number, format?: string) => (text: string) => unknown;
const parseTextArray = defaultParser(1009) as (text: string) => unknown[]; // text[]

function arrayOf(parse: (text: string) => unknown): (text: string) => unknown {
  const each = (item: unknown): unknown =>
    Array.isArray(item) ? item.map(each) : typeof item === "string" ? parse(item) : item;
  return (text) => each(parseTextArray(text));
}

const identity = (text: string) => text;

const PARSERS = new Map<number, (text: string) => unknown>([
  [20, exactNumber], // int8
  [1700, exactNumber], // numeric
  [1114, timestampWithoutZoneToIso], // timestamp
  [1184, timestampWithZoneToIso], // timestamptz
  [1082, identity], // date: pg would make it local midnight, which shifts the day
  [1016, arrayOf(exactNumber)], // int8[]
  [1231, arrayOf(exactNumber)], // numeric[]
  [1115, arrayOf(timestampWithoutZoneToIso)], // timestamp[]
  [1185, arrayOf(timestampWithZoneToIso)], // timestamptz[]
  [1182, arrayOf(identity)], // date[]
]);

export const postgresTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: "text" | "binary") => {
    const parser = format === "binary" ? undefined : PARSERS.get(oid);
    return parser ?? defaultParser(oid, format);
  }) as pg.CustomTypesConfig["getTypeParser"],
};

/** json and jsonb: pg has already parsed these into values. */
export const isPostgresJsonType = (oid: number) => oid === 114 || oid === 3802;
