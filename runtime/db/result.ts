import type { Row } from "./types.js";

export interface DatabaseResultJSON<T extends Row = Row> {
  records: T[];
  count: number;
  total: number;
  columns: string[];
  limit: number | null;
  offset: number;
}

export interface Paginated<T extends Row = Row> extends DatabaseResultJSON<T> {
  /** 1-based page number (1 when not paged). */
  page: number;
  /** Number of pages at this page size (1 when not paged). */
  pages: number;
  hasNext: boolean;
  hasPrev: boolean;
}

/**
 * Rows from `fetch`. `count` is the number of rows here; `total` the number of rows the query
 * matches without paging (counted only when a limit was given, else equal to count).
 */
export class DatabaseResult<T extends Row = Row> implements Iterable<T> {
  readonly count: number;

  constructor(
    readonly records: T[],
    readonly columns: string[],
    readonly limit: number | null = null,
    readonly offset: number = 0,
    readonly total: number = records.length,
  ) {
    this.count = records.length;
  }

  [Symbol.iterator](): Iterator<T> {
    return this.records[Symbol.iterator]();
  }

  first(): T | null {
    return this.records[0] ?? null;
  }

  /** JSON-safe: bigint → string, Buffer → base64, Date → ISO (by JSON.stringify). */
  toJSON(): DatabaseResultJSON<T> {
    return {
      records: this.records.map(jsonRow) as T[],
      count: this.count,
      total: this.total,
      columns: this.columns,
      limit: this.limit,
      offset: this.offset,
    };
  }

  toPaginate(): Paginated<T> {
    const size = this.limit && this.limit > 0 ? this.limit : Math.max(this.count, 1);
    const page = Math.floor(this.offset / size) + 1;
    const pages = Math.max(1, Math.ceil(this.total / size));
    return {
      ...this.toJSON(),
      page,
      pages,
      hasNext: this.offset + this.count < this.total,
      hasPrev: this.offset > 0,
    };
  }
}

function jsonRow(row: Row): Row {
  let out: Row | null = null;
  for (const key in row) {
    const v = row[key];
    if (typeof v === "bigint") (out ??= { ...row })[key] = v.toString();
    else if (Buffer.isBuffer(v)) (out ??= { ...row })[key] = v.toString("base64");
  }
  return out ?? row;
}
