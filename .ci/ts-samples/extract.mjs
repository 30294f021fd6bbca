// Writes every ```typescript check block of the bundled lessons to <out>/samples/<module>/…:
// a block whose first line is `// src/<name>.ts` under that name (so a module's blocks can
// import each other), any other block as <lesson>-<line>.ts with `export {}` added so each is
// its own module. A fragment marked `check=<name>` is written into context/<name>.ts at its
// `//// sample ////` line: the context declares what the fragment takes from the code around it
// (a repository, the handler it sits in), so tsc still checks every line the lesson prints.
// A block marked `check-decorators` (NestJS and other code written for TypeScript's legacy
// decorators, which `erasableSyntaxOnly` and Node's type stripping refuse) goes under
// <out>/samples-decorators/ instead, which tsconfig-decorators.json checks on its own.
// Prints how many blocks it wrote.
import { mkdirSync, readdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const [contentDir, outDir] = process.argv.slice(2);
const contextDir = fileURLToPath(new URL("context/", import.meta.url));
const MARK = "//// sample ////\n";
let written = 0;
for (const path of readdirSync(contentDir).sort()) {
  const pathDir = join(contentDir, path);
  if (!existsSync(join(pathDir, "path.toml"))) continue;
  for (const module of readdirSync(pathDir).sort()) {
    if (!/^\d\d-/.test(module)) continue;
    for (const lesson of readdirSync(join(pathDir, module)).sort()) {
      if (!/^\d\d-.*\.md$/.test(lesson)) continue;
      const lines = readFileSync(join(pathDir, module, lesson), "utf8").split("\n");
      for (let i = 0; i < lines.length; i++) {
        const info = lines[i].match(/^```(\S+)(.*)$/);
        if (!info) continue;
        let end = i + 1;
        while (lines[end] !== "```") {
          if (end >= lines.length) throw new Error(`${module}/${lesson}:${i + 1}: a block is never closed`);
          end++;
        }
        const marks = info[2].trim().split(/\s+/);
        const check = marks.find((mark) => mark === "check" || mark === "check-decorators" || mark.startsWith("check="));
        if (info[1] === "typescript" && check) {
          let code = lines.slice(i + 1, end).join("\n") + "\n";
          if (check.startsWith("check=")) {
            const context = readFileSync(join(contextDir, `${check.slice(6)}.ts`), "utf8");
            if (!context.includes(MARK)) throw new Error(`context ${check.slice(6)} has no ${MARK.trim()} line`);
            code = context.replace(MARK, code);
          }
          const named = lines[i + 1].match(/^\/\/ (src\/[\w.-]+\.ts)$/);
          const root = check === "check-decorators" ? "samples-decorators" : "samples";
          const file = named
            ? join(outDir, root, module, named[1])
            : join(outDir, root, module, `${lesson.replace(/\.md$/, "")}-${i + 1}.ts`);
          if (existsSync(file)) throw new Error(`${module}/${lesson}:${i + 1}: ${file} is written twice`);
          mkdirSync(join(file, ".."), { recursive: true });
          writeFileSync(file, named ? code : code + "export {};\n");
          written++;
        }
        i = end;
      }
    }
  }
}
console.log(written);
