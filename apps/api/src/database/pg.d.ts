/**
 * The few parts of the `pg` driver (8.x) used directly: the start-up check and its advisory lock, and the
 * tests that create and drop databases. TypeORM uses the rest itself. (No @types/pg is installed.)
 */
declare module 'pg' {
  export interface ClientConfig {
    connectionString?: string;
    connectionTimeoutMillis?: number;
    application_name?: string;
  }
  export interface QueryResult<R = Record<string, unknown>> {
    rows: R[];
    rowCount: number | null;
  }
  export class Client {
    constructor(config?: ClientConfig);
    connect(): Promise<void>;
    query<R = Record<string, unknown>>(text: string, values?: unknown[]): Promise<QueryResult<R>>;
    end(): Promise<void>;
    on(event: 'error', listener: (error: Error) => void): this;
  }
}
