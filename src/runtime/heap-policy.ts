/**
 * The server's memory policy. Its live heap is ~30 MB, but node's defaults let a busy process hold
 * 100+ MB more (measured under the bench's load: VmHWM 276-341 MB). Three settings keep it down:
 *
 * - Here, first import of main.ts: the old generation grows by at most 25% of what survived the last
 *   full collection (V8 reads this flag at every collection, so setting it at run time works).
 * - In the start command (package.json's "start" and the Dockerfile's CMD: `node
 *   --v8-pool-size=1 --max-semi-space-size=4 dist/src/main.js`), because node and V8 read these only
 *   when the process starts; set here they do nothing:
 *   - `--max-semi-space-size=4`: young-generation semi-spaces of 4 MB instead of 16 MB. SCIM
 *     requests leave little alive, so scavenges stay cheap: the young generation's resident size went
 *     from 31 MB to 7.5 MB with no measurable change in CPU per request (2 MB saved 3 MB more but cost
 *     CPU in some runs).
 *   - `--v8-pool-size=1`: one V8 helper thread (GC, optimising and WebAssembly compilers) instead of
 *     four. Each helper keeps its own malloc arena of freed compiler memory, 40-70 MB in all under
 *     load; CPU per request was no higher in any run (a 2-core machine has no spare cores for four).
 *
 * Together: `npm run bench` VmHWM 245-251 MB. `--optimize-for-size`, used before, also kept the heap
 * small but cost a third more CPU per request.
 */
import v8 from "node:v8";

v8.setFlagsFromString("--heap-growing-percent=25");
