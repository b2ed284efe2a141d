/** The two SQL families tenant-sync reads from. MariaDB is "mysql": same protocol, driver and SQL here. */
export type Dialect = "postgres" | "mysql";
