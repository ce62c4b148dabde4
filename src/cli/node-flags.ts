/**
 * Node flags every farmwatch process runs with (see bin/farmwatch.js for why). For code that spawns
 * `bin/farmwatch.js` with `process.execPath`, where the shebang line does not apply.
 */
export const NODE_FLAGS: readonly string[] = ['--max-semi-space-size=64'];
