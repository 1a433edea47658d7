/** The embedded database's own settings (src/db/database.ts). */
import { openDatabase } from "../../src/db/database";

test("PGLITE_SHARED_BUFFERS sets the embedded database's shared_buffers (its resident buffer pool)", async () => {
  const small = await openDatabase({ pgliteDir: "memory", pgliteSharedBuffers: "8MB", skipMigrations: true });
  try {
    expect(await small.sql.query("SHOW shared_buffers")).toEqual([{ shared_buffers: "8MB" }]);
  } finally {
    await small.close();
  }
});
