import { PrismaPg } from "@prisma/adapter-pg";

/** PostgreSQL's catalog types that hold text but that @prisma/adapter-pg 6.19 refuses: `char` (18) and `name` (19). */
const CATALOG_TEXT_OIDS = new Set([18, 19]);
const TEXT_OID = 25;

interface PgField {
  dataTypeID: number;
}
interface Queryable {
  performIO(query: unknown): Promise<{ fields: PgField[] }>;
}

/**
 * The pg driver adapter for the Prisma CLI (prisma.config.ts), for `prisma migrate deploy` on a postgresql:// URL.
 * Prisma's schema engine reads `_prisma_migrations` and the catalog through the adapter, whose column type mapping
 * lacks `name`, so every migrate command fails with "Column type 'name' could not be deserialized"
 * (prisma/orm#27403, open in 6.19). Those columns are read as text here. The bot never needs this: its queries
 * touch only its own tables.
 */
export async function prismaCliPgAdapter(connectionString: string): Promise<PrismaPg> {
  const factory = new PrismaPg({ connectionString });
  const connect = factory.connect.bind(factory);
  factory.connect = async () => {
    const adapter = await connect();
    readCatalogTypesAsText(adapter as unknown as Queryable);
    return adapter;
  };
  return factory;
}

const patched = new WeakSet<object>();

/** Patches the adapter's query path (shared by its transactions: both inherit it from the same class). */
function readCatalogTypesAsText(adapter: Queryable): void {
  let owner: object | null = adapter;
  while (owner && !Object.hasOwn(owner, "performIO")) owner = Object.getPrototypeOf(owner) as object | null;
  if (!owner || patched.has(owner)) return;
  patched.add(owner);
  const queryable = owner as Queryable;
  const performIO = queryable.performIO;
  queryable.performIO = async function (this: Queryable, query: unknown) {
    const result = await performIO.call(this, query);
    for (const field of result.fields) if (CATALOG_TEXT_OIDS.has(field.dataTypeID)) field.dataTypeID = TEXT_OID;
    return result;
  };
}
